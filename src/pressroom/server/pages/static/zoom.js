// Zoom on an image page: the stage (the image with its marks) grows inside a frame that scrolls,
// so marks stay where they were pinned (they are placed in fractions of the stage) and a drag
// still draws a mark; the frame pans with its scroll bars, the wheel or the arrow keys.
(() => {
  const tools = document.getElementById("zoom-tools"), stage = document.getElementById("stage");
  if (!tools || !stage) return;
  const readout = tools.querySelector(".zoom");
  let scale = 1;
  function apply(to) {
    scale = Math.min(8, Math.max(1, to));
    stage.style.width = `${scale * 100}%`;
    readout.textContent = `${Math.round(scale * 100)} %`;
  }
  tools.querySelector("[data-zoom=in]").addEventListener("click", () => apply(scale * 2));
  tools.querySelector("[data-zoom=out]").addEventListener("click", () => apply(scale / 2));
  tools.querySelector("[data-zoom=fit]").addEventListener("click", () => apply(1));
})();
