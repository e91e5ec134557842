// Live refresh, as progressive enhancement: pages marked <body data-live> re-fetch themselves
// every few seconds and swap in the new <main>. Without JavaScript the page is the same, and the
// "reload" link in its footer refreshes it by hand. Paused while the tab is hidden.
(() => {
  const every = Number(document.body.dataset.live);
  if (!(every > 0)) return;
  const tick = async () => {
    if (document.hidden) return;
    try {
      const res = await fetch(location.href, { headers: { accept: "text/html" } });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = doc.querySelector("main");
      const main = document.querySelector("main");
      if (fresh && main) main.replaceWith(fresh);
    } catch {
      // The node may be restarting: try again at the next tick.
    }
  };
  setInterval(tick, every * 1000);
})();
