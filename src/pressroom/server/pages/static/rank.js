// Ranking concepts on a contact sheet (ol#ranking): drag a candidate onto another's place, tap its
// arrow buttons, or focus one and move it with Shift+Left / Shift+Right (plain arrows move the focus). The order is
// what the ranking form sends, best first.
(() => {
  function renumber(list) {
    list.querySelectorAll(".candidate").forEach((item, i) => {
      item.querySelector(".place").textContent = `${i + 1}`;
    });
  }

  function setup(list) {
    let dragged = null;
    list.addEventListener("dragstart", (event) => {
      dragged = event.target.closest(".candidate");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.id);
    });
    list.addEventListener("dragover", (event) => {
      if (dragged && event.target.closest(".candidate")) event.preventDefault();
    });
    list.addEventListener("drop", (event) => {
      const onto = event.target.closest(".candidate");
      if (!dragged || !onto || onto === dragged) return;
      event.preventDefault();
      const items = [...list.children];
      onto[items.indexOf(dragged) < items.indexOf(onto) ? "after" : "before"](dragged);
      dragged = null;
      renumber(list);
    });
    list.addEventListener("click", (event) => {  // the arrow buttons: a tap or a click moves it one place
      const button = event.target.closest("button[data-move]");
      if (!button) return;
      const item = button.closest(".candidate");
      const next = button.dataset.move === "1" ? item.nextElementSibling : item.previousElementSibling;
      if (!next) return;
      next[button.dataset.move === "1" ? "after" : "before"](item);
      renumber(list);
      button.focus();
    });
    list.addEventListener("keydown", (event) => {
      const item = event.target.closest(".candidate");
      if (!item || event.target !== item || !["ArrowLeft", "ArrowRight"].includes(event.key)) return;
      event.preventDefault();
      const next = event.key === "ArrowRight" ? item.nextElementSibling : item.previousElementSibling;
      if (!next) return;
      if (event.shiftKey) {
        next[event.key === "ArrowRight" ? "after" : "before"](item);
        renumber(list);
        item.focus();
      } else {
        next.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("ol#ranking").forEach(setup));
})();
