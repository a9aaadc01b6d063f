// Signing out drops the grid page's offline copies (its issues, tasks and shared records), so
// the next person on this phone finds nothing cached; the unsent-report outbox stays.
const signOut = document.getElementById("sign-out");
if (signOut) {
  signOut.addEventListener("submit", async (event) => {
    event.preventDefault();
    if ("caches" in window) {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith("onegrid-")).map((name) => caches.delete(name)));
    }
    signOut.submit();
  });
}
