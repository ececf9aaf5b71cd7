// Placing a mark with the pointer: a click pins a point, a drag marks a rectangle. Either fills
// the mark form's x, y, width and height (fractions of the image, 0 to 1) and moves the focus to
// the comment; the form itself can be filled from the keyboard too.
(function () {
  const stage = document.getElementById("stage");
  const form = document.getElementById("mark-form");
  if (!stage || !form) return;
  const drawing = document.getElementById("drawing");
  const at = (event) => {
    const box = stage.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return { x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height) };
  };
  let start = null;
  const region = (a, b) => ({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y),
                              width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) });
  const show = (r) => {
    Object.assign(drawing.style, { left: `${r.x * 100}%`, top: `${r.y * 100}%`,
                                   width: `${r.width * 100}%`, height: `${r.height * 100}%` });
    drawing.hidden = false;
  };
  stage.addEventListener("pointerdown", (event) => { start = at(event); stage.setPointerCapture(event.pointerId); });
  stage.addEventListener("pointermove", (event) => { if (start) show(region(start, at(event))); });
  stage.addEventListener("pointerup", (event) => {
    if (!start) return;
    let r = region(start, at(event));
    start = null;
    if (r.width < 0.01 && r.height < 0.01) r = { x: r.x, y: r.y, width: 0, height: 0 };  // a click: a point
    show(r);
    for (const name of ["x", "y", "width", "height"]) form.elements[name].value = r[name].toFixed(3);
    form.elements.comment.focus();
  });
  form.addEventListener("htmx:afterRequest", (event) => { if (event.detail.successful) drawing.hidden = true; });
})();
