// The mask painter: paint on a canvas at the image's own size laid over it (brush or eraser, a
// size in the image's pixels), the share it covers shown as you paint against the one-third rule;
// "Inpaint" sends the mask as a PNG (white where to repaint, black elsewhere) with the form.
(() => {
  const painter = document.getElementById("painter");
  if (!painter) return;
  const canvas = document.getElementById("mask"), pen = canvas.getContext("2d");
  const size = document.getElementById("brush-size"), coverage = document.getElementById("coverage");
  const form = document.getElementById("inpaint-form"), outcome = document.getElementById("fix-outcome");
  const limit = parseFloat(painter.dataset.limit);
  const tool = () => form.ownerDocument.querySelector("input[name=tool]:checked").value;

  function share() {
    const pixels = pen.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 127) painted += 1;
    return painted / (canvas.width * canvas.height);
  }
  function tell() {
    const now = share();
    coverage.textContent = `The mask covers ${Math.round(now * 100)} % of the image (at most ${Math.round(limit * 100)} %).`;
    coverage.className = now > limit ? "refusal" : "";
    return now;
  }
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  function dab([x, y]) {
    pen.globalCompositeOperation = tool() === "eraser" ? "destination-out" : "source-over";
    pen.fillStyle = "rgba(230, 30, 50, 1)";
    pen.beginPath();
    pen.arc(x, y, Number(size.value) / 2, 0, 2 * Math.PI);
    pen.fill();
  }
  let down = false, last = 0;
  canvas.addEventListener("pointerdown", (event) => { down = true; canvas.setPointerCapture(event.pointerId); dab(at(event)); });
  canvas.addEventListener("pointermove", (event) => {
    if (!down) return;
    dab(at(event));
    if (event.timeStamp - last > 120) { last = event.timeStamp; tell(); }
  });
  canvas.addEventListener("pointerup", () => { down = false; tell(); });
  document.getElementById("clear-mask").addEventListener("click", () => { pen.clearRect(0, 0, canvas.width, canvas.height); tell(); });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "b" || event.key === "e") form.ownerDocument.querySelector(`input[name=tool][value=${event.key === "b" ? "brush" : "eraser"}]`).checked = true;
    if (event.key === "[") size.value = Math.max(1, Number(size.value) - 2);
    if (event.key === "]") size.value = Number(size.value) + 2;
  });

  function maskPng() {  // white where painted, black elsewhere, at the image's size
    const out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height;
    const ink = out.getContext("2d"), from = pen.getImageData(0, 0, canvas.width, canvas.height);
    const to = ink.createImageData(canvas.width, canvas.height);
    for (let i = 0; i < from.data.length; i += 4) {
      const white = from.data[i + 3] > 127 ? 255 : 0;
      to.data[i] = to.data[i + 1] = to.data[i + 2] = white;
      to.data[i + 3] = 255;
    }
    ink.putImageData(to, 0, 0);
    return new Promise((done) => out.toBlob(done, "image/png"));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    tell();
    const sent = new FormData(form);
    sent.set("op", "inpaint");
    sent.set("mask", await maskPng(), "mask.png");
    const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    const answer = await fetch(location.pathname, { method: "POST", body: sent, headers: { "X-CSRF-Token": csrf } });
    outcome.innerHTML = await answer.text();
    window.pressroomJobs && window.pressroomJobs.follow(outcome);
  });
})();
