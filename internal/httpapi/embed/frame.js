// Tells the embedding page the height of this schedule, so that its iframe
// can fit it: { type: 'pioniers-meetings:height', height } by postMessage.
// The height is no secret, so any page that frames this one may hear it.
(() => {
  if (window.parent === window) return;
  let last = 0;
  const send = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: 'pioniers-meetings:height', height }, '*');
    }
  };
  if ('ResizeObserver' in window) new ResizeObserver(send).observe(document.documentElement);
  window.addEventListener('load', send);
  send();
})();
