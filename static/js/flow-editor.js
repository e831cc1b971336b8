// Dialer Studio flow editor: the few things htmx cannot do by itself. Pan, zoom
// and drag on the server-drawn flow map; the simulator's keyboard, speech and
// timer; inserting $variables$ at the cursor; copy buttons; focusing the field a
// problem is about. Everything else is htmx and server-rendered HTML.
(function () {
  "use strict";

  const ZOOM_STEP = 1.2;
  const DRAG_THRESHOLD = 4;
  let userView = null; // the viewBox the person panned/zoomed to, kept across map swaps
  let suppressClick = false;

  // ---------------------------------------------------------------- map
  function mapSvg() {
    return document.querySelector("#flow-map svg.map-svg");
  }

  function readBox(svg) {
    return svg.getAttribute("viewBox").split(/\s+/).map(Number);
  }

  function setBox(svg, box) {
    svg.setAttribute("viewBox", box.map((n) => n.toFixed(1)).join(" "));
    userView = box;
  }

  function svgPoint(svg, clientX, clientY) {
    const point = svg.createSVGPoint();
    point.x = clientX;
    point.y = clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function zoom(svg, factor, centre) {
    const [x, y, w, h] = readBox(svg);
    const cx = centre ? centre.x : x + w / 2;
    const cy = centre ? centre.y : y + h / 2;
    setBox(svg, [cx - (cx - x) / factor, cy - (cy - y) / factor, w / factor, h / factor]);
  }

  function fit(svg) {
    userView = null;
    svg.setAttribute("viewBox", svg.dataset.viewBox);
  }

  document.addEventListener("click", (event) => {
    if (suppressClick) {
      suppressClick = false;
      event.stopPropagation();
      event.preventDefault();
      return;
    }
    const zoomButton = event.target.closest("[data-map-zoom]");
    if (zoomButton && mapSvg()) {
      const how = zoomButton.dataset.mapZoom;
      if (how === "fit") fit(mapSvg());
      else zoom(mapSvg(), how === "in" ? ZOOM_STEP : 1 / ZOOM_STEP);
    }
    const insert = event.target.closest("[data-insert]");
    if (insert) insertAtCursor(insert);
    const copy = event.target.closest("[data-copy]");
    if (copy) copyText(copy);
  }, true);

  document.addEventListener("wheel", (event) => {
    const svg = event.target.closest && event.target.closest("svg.map-svg");
    if (!svg) return;
    event.preventDefault();
    zoom(svg, event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, svgPoint(svg, event.clientX, event.clientY));
  }, { passive: false });

  let gesture = null;

  document.addEventListener("pointerdown", (event) => {
    const svg = event.target.closest && event.target.closest("svg.map-svg");
    if (!svg || event.button !== 0) return;
    const node = event.target.closest(".node");
    const start = svgPoint(svg, event.clientX, event.clientY);
    gesture = {
      svg, node, start, moved: false, pointerId: event.pointerId,
      clientX: event.clientX, clientY: event.clientY,
      box: readBox(svg),
      origin: node ? { x: Number(node.dataset.x), y: Number(node.dataset.y) } : null,
    };
  });

  document.addEventListener("pointermove", (event) => {
    if (!gesture || event.pointerId !== gesture.pointerId) return;
    const distance = Math.hypot(event.clientX - gesture.clientX, event.clientY - gesture.clientY);
    if (!gesture.moved && distance < DRAG_THRESHOLD) return;
    gesture.moved = true;
    const { svg, node } = gesture;
    if (node && node.dataset.moveUrl) {
      const point = svgPoint(svg, event.clientX, event.clientY);
      const x = gesture.origin.x + point.x - gesture.start.x;
      const y = gesture.origin.y + point.y - gesture.start.y;
      node.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
      node.classList.add("dragging");
      gesture.to = { x, y };
    } else {
      // Pan: move the viewBox by the pointer's travel in map units.
      const scale = gesture.box[2] / svg.getBoundingClientRect().width;
      const dx = (event.clientX - gesture.clientX) * scale;
      const dy = (event.clientY - gesture.clientY) * scale;
      svg.classList.add("panning");
      setBox(svg, [gesture.box[0] - dx, gesture.box[1] - dy, gesture.box[2], gesture.box[3]]);
    }
  });

  document.addEventListener("pointerup", (event) => {
    if (!gesture || event.pointerId !== gesture.pointerId) return;
    const { svg, node, moved, to } = gesture;
    gesture = null;
    svg.classList.remove("panning");
    if (!moved) return;
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    if (node && to && node.dataset.moveUrl) {
      const revision = document.getElementById("draft-revision");
      htmx.ajax("POST", node.dataset.moveUrl, {
        source: node,
        swap: "none",
        values: { x: to.x, y: to.y, revision: revision ? revision.value : "" },
      });
    }
  });

  // Keep the person's pan/zoom when the server redraws the map after an edit,
  // and show which node the side panel is editing.
  function afterMapSwap() {
    const svg = mapSvg();
    if (svg && userView) svg.setAttribute("viewBox", userView.map((n) => n.toFixed(1)).join(" "));
    else if (svg) readableStart(svg);
    markSelected();
  }

  // A big flow fitted whole would be unreadably small: start at the top, readable.
  const READABLE_SCALE = 0.75;
  function readableStart(svg) {
    const rect = svg.getBoundingClientRect();
    const [x, y, w, h] = readBox(svg);
    if (!rect.width) return;
    const scale = Math.min(rect.width / w, rect.height / h);
    let box = null;
    if (scale < READABLE_SCALE) {
      box = [x, y, rect.width / READABLE_SCALE, rect.height / READABLE_SCALE];
    } else if (scale > 1) {
      // A small flow is shown at its natural size, not blown up.
      box = [x + w / 2 - rect.width / 2, y, rect.width, rect.height];
    }
    if (box) svg.setAttribute("viewBox", box.map((n) => n.toFixed(1)).join(" "));
  }

  function markSelected() {
    const panel = document.querySelector("#panel .step-panel");
    const selected = panel ? panel.dataset.stepId : null;
    document.querySelectorAll("#flow-map .node").forEach((node) => {
      node.classList.toggle("selected", node.dataset.stepId === selected);
    });
  }

  // ---------------------------------------------------------------- panel
  function insertAtCursor(button) {
    const field = document.getElementById(button.dataset.insertInto);
    if (!field) return;
    const text = button.dataset.insert;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + text.length, start + text.length);
  }

  function copyText(button) {
    const source = document.querySelector(button.dataset.copy);
    if (!source) return;
    const done = () => {
      const label = button.textContent;
      button.textContent = "Copied ✓";
      setTimeout(() => { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.innerText).then(done);
    } else {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand("copy");
      done();
    }
  }

  // A problem's link opens the panel with data-focus naming the field it is about.
  function focusRequested(root) {
    const holder = root.querySelector("[data-focus]:not([data-focus=''])");
    if (!holder) return;
    const target = document.getElementById(holder.dataset.focus);
    if (!target) return;
    let parent = target.closest("details");
    while (parent) {
      parent.open = true;
      parent = parent.parentElement.closest("details");
    }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
    holder.dataset.focus = "";
  }

  // Typing in the step form and then opening another step would drop the typing:
  // ask first.
  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("#step-form");
    if (form) form.dataset.dirty = "true";
  });

  document.addEventListener("htmx:confirm", (event) => {
    const form = document.querySelector("#step-form[data-dirty]");
    const target = event.detail.target;
    if (!form || !target || target.id !== "panel") return;
    event.preventDefault();
    if (window.confirm("The changes to this step are not saved yet. Leave them?")) {
      event.detail.issueRequest(true);
    }
  });

  // Recordings: show the file chosen or dropped onto the upload zone.
  document.addEventListener("change", (event) => {
    const zone = event.target.closest && event.target.closest(".drop-zone");
    if (!zone) return;
    const file = event.target.files && event.target.files[0];
    zone.querySelector(".drop-file").textContent = file ? file.name : "";
  });
  ["dragenter", "dragleave", "drop"].forEach((type) => {
    document.addEventListener(type, (event) => {
      const zone = event.target.closest && event.target.closest(".drop-zone");
      if (zone) zone.classList.toggle("dragover", type === "dragenter");
    });
  });

  // ---------------------------------------------------------------- simulator
  let spokenCount = 0;
  let timer = null;

  function speak(call) {
    const lines = call.querySelectorAll(".transcript [data-speak]");
    const muted = call.querySelector("#sim-mute");
    const fresh = Array.from(lines).filter((li) => Number(li.dataset.index) >= spokenCount);
    const all = call.querySelectorAll(".transcript li");
    spokenCount = all.length;
    if (!("speechSynthesis" in window) || (muted && muted.checked) || !fresh.length) return;
    const lang = call.dataset.speechLang;
    const voice = speechSynthesis.getVoices().find((v) => v.lang.replace("_", "-").startsWith(lang.slice(0, 2)));
    if (!voice) return; // no voice for this language: the transcript shows the text
    speechSynthesis.cancel();
    fresh.forEach((li) => {
      const utterance = new SpeechSynthesisUtterance(li.dataset.speak);
      utterance.lang = lang;
      utterance.voice = voice;
      speechSynthesis.speak(utterance);
    });
  }

  function armTimer(call) {
    clearTimeout(timer);
    const auto = call.querySelector("#sim-auto");
    if (!auto || !auto.checked || call.dataset.waiting !== "true") return;
    timer = setTimeout(() => {
      const button = document.getElementById("sim-timeout");
      if (button && !button.disabled) button.click();
    }, Number(call.dataset.timeout || 3) * 1000);
  }

  function afterCallSwap(call) {
    if (call.dataset.inputs === "0") spokenCount = 0; // a new call
    speak(call);
    armTimer(call);
  }

  document.addEventListener("keydown", (event) => {
    const call = document.getElementById("sim-call");
    if (!call || event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (typing) return;
    const key = event.key;
    if (!/^[0-9*#]$/.test(key)) return;
    const button = call.querySelector(`.sim-keypad [data-key="${CSS.escape(key)}"]`);
    if (button && !button.disabled) {
      event.preventDefault();
      button.focus();
      button.click();
    }
  });

  // Keep keyboard focus on the same control when htmx replaces the simulator.
  let focusedId = null;
  document.addEventListener("htmx:beforeSwap", () => {
    focusedId = document.activeElement && document.activeElement.id;
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (document.getElementById("flow-map")) afterMapSwap();
    const call = document.getElementById("sim-call");
    if (call && !call.dataset.handled) {
      call.dataset.handled = "true"; // a fresh answer: speak it, arm its timer
      afterCallSwap(call);
    }
    if (focusedId && !document.activeElement.id) {
      const again = document.getElementById(focusedId);
      if (again && !again.disabled) again.focus();
    }
    const panel = document.getElementById("panel");
    if (panel) focusRequested(panel);
  });

  document.addEventListener("htmx:oobAfterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "flow-map") afterMapSwap();
  });

  document.addEventListener("DOMContentLoaded", () => {
    afterMapSwap();
    const call = document.getElementById("sim-call");
    if (call) {
      call.dataset.handled = "true";
      afterCallSwap(call);
    }
  });
})();
