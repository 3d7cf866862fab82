// A tiny element builder. Text is always set as text (never parsed as HTML), and there are no style attributes:
// both keep the page working under the Content-Security-Policy and safe from markup in API data.
export type Child = Node | string | number | null | undefined | false
type Listener = (event: Event) => void
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>

export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value)
    else if (value === true) element.setAttribute(name, '')
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value))
  }
  append(element, ...children)
  return element
}

export function append (parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

export function replace (parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, ...children)
}
