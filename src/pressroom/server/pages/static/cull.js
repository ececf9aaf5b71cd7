// The cull grid: each tile's Keep and Reject buttons (a click or a tap), and its keys: arrows move
// the focus through the tiles (up and down by a row as laid out), k keeps the focused image, r
// rejects it with the reason chosen in the toolbar. Each decision is an htmx post whose answer
// replaces the tile (its state and reason shown on it) and the keep rate. The grid names where its
// decisions go (data-action): a recipe's volume run, or a brief's images from other tools.
(function () {
  const grid = document.getElementById("cull-grid");
  if (!grid) return;
  const tiles = () => Array.from(grid.querySelectorAll(".tile"));
  const perRow = () => {
    const all = tiles();
    if (all.length < 2) return 1;
    const top = all[0].offsetTop;
    const index = all.findIndex((tile) => tile.offsetTop !== top);
    return index === -1 ? all.length : index;
  };
  const move = (from, step) => {
    const all = tiles();
    const next = all[Math.min(all.length - 1, Math.max(0, all.indexOf(from) + step))];
    if (next) next.focus();
  };
  const decide = (tile, keep) => {
    const values = { generation: tile.dataset.id, keep: keep ? "true" : "false" };
    if (!keep) values.reason = document.getElementById("reason").value;
    const next = tiles()[tiles().indexOf(tile) + 1];
    htmx.ajax("POST", grid.dataset.action, { source: tile, target: tile, swap: "outerHTML", values })
      .then(() => { const again = document.getElementById(`tile-${values.generation}`);
                    (next || again).focus(); });
  };
  grid.addEventListener("click", (event) => {  // the Keep and Reject buttons, for a pointer or a finger
    const button = event.target.closest("button[data-keep]");
    if (!button) return;
    decide(button.closest(".tile"), button.dataset.keep === "true");
  });
  grid.addEventListener("keydown", (event) => {
    if (event.target.closest("button, a")) return;  // a focused button or link keeps its own keys
    const tile = event.target.closest(".tile");
    if (!tile || event.altKey || event.ctrlKey || event.metaKey) return;
    const steps = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow(), ArrowUp: -perRow() };
    if (event.key in steps) { move(tile, steps[event.key]); event.preventDefault(); }
    else if (event.key === "k") { decide(tile, true); event.preventDefault(); }
    else if (event.key === "r") { decide(tile, false); event.preventDefault(); }
  });
})();
