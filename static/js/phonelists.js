// Phone list upload: drop a file on the zone, and show htmx's upload progress.
document.addEventListener("dragover", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (zone) { event.preventDefault(); zone.classList.add("is-over"); }
});
document.addEventListener("dragleave", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (zone) zone.classList.remove("is-over");
});
document.addEventListener("drop", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("is-over");
  const input = zone.querySelector("input[type=file]");
  input.files = event.dataTransfer.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
});
document.addEventListener("change", (event) => {
  const zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (zone && event.target.files.length) zone.querySelector("[data-filename]").textContent = event.target.files[0].name;
});
document.addEventListener("htmx:xhr:progress", (event) => {
  const box = event.target.querySelector && event.target.querySelector("[data-upload-progress]");
  if (!box || !event.detail.lengthComputable) return;
  box.hidden = false;
  const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
  const bar = box.querySelector("progress");
  bar.value = percent;
  bar.textContent = percent + "%";
});
