// Light enhancement only: every page works without it.
// "/" focuses the page's search box.
document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    const search = document.querySelector("#f-text, #q, #article-query");
    if (search) { event.preventDefault(); search.focus(); }
  }
});
