// The dashboard's Content-Security-Policy: scripts, styles and requests from the gateway's own origin only — no
// inline script or style, no eval, no framing. The browser test proves the page works under it.
export const DASHBOARD_CSP: Record<string, string[]> = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"]
}
