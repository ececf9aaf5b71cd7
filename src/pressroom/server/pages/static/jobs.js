// Follow a queued job where a page shows one (.follow[data-job]): its server-sent events
// (/api/jobs/ID/events) move the progress bar and add each image as it lands; at the end the page
// reloads, goes where data-then says ({recipe}, {generation}: what the job's result names), or
// shows its closing line.
(() => {
  function tile(image) {
    const item = document.createElement("li");
    item.className = "tile";
    const link = document.createElement("a");
    link.href = `/images/${image.id}`;
    const img = document.createElement("img");
    img.src = `/thumbs/${image.id}/256.webp`;
    img.alt = `Image ${image.id}, seed ${image.seed}`;
    link.append(img);
    const caption = document.createElement("span");
    caption.textContent = `#${image.id} · seed ${image.seed}`;
    item.append(link, caption);
    return item;
  }

  function follow(box) {
    if (box.dataset.following) return;
    box.dataset.following = "yes";
    const bar = box.querySelector("progress"), count = box.querySelector(".count");
    const state = box.querySelector(".state"), live = box.querySelector(".live"), ended = box.querySelector(".ended");
    const source = new EventSource(`/api/jobs/${box.dataset.job}/events`);
    source.addEventListener("progress", (event) => {
      const at = JSON.parse(event.data);
      state.textContent = at.state;
      if (at.total) {
        bar.max = at.total;
        bar.value = at.done;
        count.textContent = `${at.done} of ${at.total}`;
      }
    });
    source.addEventListener("image", (event) => live.append(tile(JSON.parse(event.data))));
    source.addEventListener("end", (event) => {
      source.close();
      const job = JSON.parse(event.data);
      state.textContent = job.state;
      box.dataset.ended = job.state;
      const then = box.dataset.then;
      if (job.state === "done" && then === "reload") return location.reload();
      if (job.state === "done" && then) return location.assign(then.replace(/\{(\w+)\}/g, (_, key) => job.result[key]));
      if (job.state !== "done") {
        ended.textContent = `The job ${job.state}${job.error ? ": " + job.error : ""}`;
        ended.setAttribute("role", "alert");
      }
      ended.hidden = false;
    });
  }

  const start = (root) => root.querySelectorAll(".follow[data-job]").forEach(follow);
  window.pressroomJobs = { follow: start };  // for content a script puts on the page itself
  document.addEventListener("DOMContentLoaded", () => start(document));
  document.addEventListener("htmx:load", (event) => start(event.detail.elt.parentElement || document));
})();
