// Light enhancement only: every page works without it.
// "/" focuses the page's search box.
document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    const search = document.querySelector("#f-text, #q, #article-query");
    if (search) { event.preventDefault(); search.focus(); }
  }
});

// After a refused form the page comes back with its errors: take the person
// to the form's error summary instead of leaving them at the top of the page.
const refused = document.querySelector(".refusal");
if (refused) {
  refused.scrollIntoView({ block: "center" });
  refused.focus({ preventScroll: true });
}
