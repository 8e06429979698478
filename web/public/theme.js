// Applies the saved theme before first paint (external file: the server's CSP forbids inline scripts).
try {
  const t = localStorage.getItem('gatehouse-theme');
  if (t === 'dark' || t === 'light') document.documentElement.dataset.theme = t;
} catch {}
