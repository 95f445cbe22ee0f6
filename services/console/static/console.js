// Light enhancement only: every page works without it.
// "/" focuses the page's search box.
document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    const search = document.querySelector("#f-text, #q, #article-query");
    if (search) { event.preventDefault(); search.focus(); }
  }
});

// The send form shows the boxes of the letter chosen, and only those.
const letterChoice = document.querySelector("#template");
if (letterChoice) {
  const showAsked = () => {
    document.querySelectorAll("fieldset[data-template]").forEach((set) => {
      set.hidden = set.dataset.template !== letterChoice.value;
    });
  };
  letterChoice.addEventListener("change", showAsked);
  showAsked();
}

// After a refused form the page comes back with its errors: take the person
// to the form's error summary instead of leaving them at the top of the page.
const refused = document.querySelector(".refusal");
if (refused) {
  refused.scrollIntoView({ block: "center" });
  refused.focus({ preventScroll: true });
}
