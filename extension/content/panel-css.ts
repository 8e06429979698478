/**
 * The panel's styles, adopted by its shadow root only (nothing leaks out). `:host` rules are
 * `!important` because in the cascade an important rule of the inner (shadow) context beats the host
 * page's important rules, e.g. `* { all: unset }` or `div { display: none !important }`; `all: initial`
 * stops the page's inherited styles (font, colour, direction…) at the host element.
 */
export const PANEL_CSS = `
:host{all:initial!important;display:block!important;position:fixed!important;right:16px!important;bottom:16px!important;
z-index:2147483647!important;width:auto!important;height:auto!important;margin:0!important;padding:0!important;
border:0!important;opacity:1!important;visibility:visible!important;transform:none!important;contain:layout style!important;
color-scheme:light dark;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif!important;color:#1f2328!important;
direction:ltr!important;text-align:left!important}
*{box-sizing:border-box}
.panel{display:flex;flex-direction:column-reverse;align-items:flex-end;gap:8px;max-width:min(360px,calc(100vw - 32px))}
.toggle{all:unset;box-sizing:border-box;display:flex;align-items:center;gap:8px;max-width:100%;padding:6px 12px 6px 8px;
border-radius:999px;background:#fff;border:1px solid #d0d7de;box-shadow:0 2px 8px rgba(0,0,0,.15);cursor:pointer;
font:inherit;color:inherit}
.toggle:focus-visible,a:focus-visible,.body:focus-visible{outline:2px solid #0969da;outline-offset:2px}
.title{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}
.chev{font-size:10px;opacity:.7}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;color:#fff;background:#57606a;white-space:nowrap}
[data-level=edit] .badge{background:#1a7f37}[data-level=view] .badge{background:#0969da}[data-level=none] .badge{background:#cf222e}
.stale-dot{width:8px;height:8px;border-radius:50%;background:#bf8700;flex:none}
.body{width:min(360px,calc(100vw - 32px));max-height:min(60vh,480px);overflow:auto;padding:12px 14px;background:#fff;
border:1px solid #d0d7de;border-radius:10px;box-shadow:0 8px 24px rgba(0,0,0,.18)}
.body[hidden]{display:none}
h2{margin:0 0 8px;font-size:14px;font-weight:600}
h3{margin:12px 0 4px;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:#57606a}
p{margin:6px 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0}
dt{color:#57606a}dd{margin:0;overflow-wrap:anywhere}
ul{margin:0;padding-left:18px}li{margin:2px 0;overflow-wrap:anywhere}
.muted{color:#57606a}
.stale{padding:6px 8px;border-radius:6px;background:#fff8c5;border:1px solid #d4a72c;color:#4d2d00}
.reason{font-weight:600;color:#a40e26}
.request{display:inline-block;margin-top:10px;padding:6px 12px;border-radius:6px;background:#0969da;color:#fff;text-decoration:none;font-weight:600;border:0;font:inherit;cursor:pointer}
.request-form{display:grid;gap:6px;margin-top:10px}.request-form select,.request-form textarea{font:inherit;color:inherit;background:transparent;border:1px solid #d0d7de;border-radius:6px;padding:4px 6px;width:100%}
.requested{padding:6px 8px;border-radius:6px;background:#ddf4ff;border:1px solid #54aeff}.mailto{display:inline-block;margin-top:8px;color:#0969da}
@media (prefers-color-scheme:dark){:host{color:#e6edf3!important}.toggle,.body{background:#161b22;border-color:#30363d}
dt,h3,.muted{color:#8d96a0}.stale{background:#3b2e00;color:#f2cc60}.reason{color:#ff8182}}
`;
