// The grid worker's page: tap the map (or use the location) to place an issue; every report
// goes through an IndexedDB outbox, so one logged offline is sent once the connection returns,
// always with the same client id (the server answers a retry with the same issue). Answers to
// collection tasks take the same outbox.
(function () {
  "use strict";
  const body = document.body.dataset;
  const map = window[body.map];
  const form = document.getElementById("report");
  const outboxNote = document.getElementById("outbox");
  let marker = null;
  let flushing = false;

  function place(lat, lon) {
    form.lat.value = lat;
    form.lon.value = lon;
    if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon]).addTo(map); }
  }
  map.on("click", (e) => place(e.latlng.lat, e.latlng.lng));
  document.getElementById("locate").addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition((p) => {
      place(p.coords.latitude, p.coords.longitude);
      map.setView([p.coords.latitude, p.coords.longitude], 17);
    });
  });

  function outbox(mode) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("onegrid", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("outbox", { keyPath: "client_id" });
      open.onerror = () => reject(open.error);
      open.onsuccess = () => resolve(open.result.transaction("outbox", mode).objectStore("outbox"));
    });
  }
  function ask(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  const put = async (item) => ask((await outbox("readwrite")).put(item));
  const all = async () => ask((await outbox("readonly")).getAll());
  const drop = async (id) => ask((await outbox("readwrite")).delete(id));

  async function send(item) {
    const data = new FormData();
    let url = "/grid/issues";
    if (item.kind === "collection") {  // an answer to a collection task: same outbox, same rules
      url = `/grid/collection-tasks/${item.task_id}`;
      for (const [key, value] of Object.entries(item.values)) data.append(key, value);
      data.append("client_id", item.client_id);
    } else {
      for (const key of ["client_id", "category", "description", "lon", "lat"]) data.append(key, item[key]);
      if (item.photo) data.append("photo", item.photo, item.photo_name || "photo");
    }
    const csrf = document.querySelector("meta[name=csrf-token]").content;
    const response = await fetch(url, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": csrf },
    });
    // A redirect means the session ended (sign-in page): keep the report for later.
    if (response.redirected || response.status >= 500) throw new Error("not sent");
    return response;
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = 0;
    try {
      for (const item of await all()) {
        try {
          const response = await send(item);
          await drop(item.client_id);
          if (response.ok) { sent += 1; } else {
            const problem = await response.json();
            outboxNote.textContent = problem.detail || response.statusText;
          }
        } catch (err) { break; }  // still offline: keep the rest in order
      }
    } finally { flushing = false; }
    const waiting = (await all()).length;
    if (waiting) { outboxNote.textContent = `${body.msgQueued} (${waiting})`; }
    if (sent) { outboxNote.textContent = body.msgSent; window.location.reload(); }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.lat.value) { outboxNote.textContent = body.msgPlace; return; }
    const file = form.photo.files[0];
    await put({
      client_id: crypto.randomUUID(), category: form.category.value,
      description: form.description.value, lon: form.lon.value, lat: form.lat.value,
      photo: file || null, photo_name: file ? file.name : null,
    });
    form.reset();
    await flush();
  });

  for (const collect of document.querySelectorAll("form.collect")) {
    collect.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(new FormData(collect).entries());
      await put({ kind: "collection", client_id: crypto.randomUUID(), task_id: collect.dataset.task, values });
      collect.reset();
      await flush();
    });
  }

  window.addEventListener("online", flush);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/grid/sw.js", { scope: "/grid" });
  }
  flush();
})();
