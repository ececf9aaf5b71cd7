// Zoom on an image page: the stage (the image with its marks) grows inside a frame that scrolls,
// so marks stay where they were pinned (they are placed in fractions of the stage) and a drag
// still draws a mark; the frame pans with its scroll bars, the wheel, a drag of two fingers or the
// arrow keys. "Fit" fits the frame; "1:1" shows the full file at its own pixels (one image pixel
// to one screen pixel); the readout says how large the image is shown against its own pixels.
(() => {
  const tools = document.getElementById("zoom-tools"), stage = document.getElementById("stage");
  const frame = document.getElementById("frame");
  if (!tools || !stage || !frame) return;
  const readout = tools.querySelector(".zoom"), img = stage.querySelector("img");
  const natural = Number(stage.dataset.width) || img.naturalWidth;  // the full file's width in pixels
  const full = stage.dataset.full;
  function useFull() {  // the thumbnail is smaller than the file: load the file itself once
    if (full && img.getAttribute("src") !== full) img.setAttribute("src", full);
  }
  function say() {
    const shown = stage.getBoundingClientRect().width * window.devicePixelRatio;
    const pct = Math.round((shown / natural) * 100);
    readout.textContent = stage.dataset.scale === "fit" ? `fitted (${pct} % of actual pixels)` : `${pct} % of actual pixels`;
  }
  function width(px) {  // the stage's width in CSS pixels
    const fitted = frame.clientWidth;
    const most = Math.max(fitted * 8, natural * 16 / window.devicePixelRatio);
    const least = Math.min(fitted / 8, natural / window.devicePixelRatio);
    stage.style.width = `${Math.max(least, Math.min(px, most))}px`;
    stage.dataset.scale = "set";
    if (px * window.devicePixelRatio > 768) useFull();
    say();
  }
  const current = () => stage.getBoundingClientRect().width;
  tools.querySelector("[data-zoom=in]").addEventListener("click", () => width(current() * 2));
  tools.querySelector("[data-zoom=out]").addEventListener("click", () => width(current() / 2));
  tools.querySelector("[data-zoom=actual]").addEventListener("click", () => { useFull(); width(natural / window.devicePixelRatio); });
  tools.querySelector("[data-zoom=fit]").addEventListener("click", () => {
    stage.style.width = "100%"; stage.dataset.scale = "fit"; say();
  });
  // "View alone": the image over the whole window (a lightbox), zoom and pan as before; Esc or the
  // same button brings the page back
  const figure = tools.closest("figure"), alone = tools.querySelector("[data-zoom=alone]");
  function lightbox(on) {
    figure.classList.toggle("alone", on);
    alone.setAttribute("aria-pressed", String(on));
    alone.textContent = on ? "Back to the page" : "View alone";
    if (on) frame.focus();
    say();
  }
  alone.addEventListener("click", () => lightbox(!figure.classList.contains("alone")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && figure.classList.contains("alone")) lightbox(false);
  });
  stage.dataset.scale = "fit";
  if (img.complete) say(); else img.addEventListener("load", say, { once: true });
  window.addEventListener("resize", say);
})();
