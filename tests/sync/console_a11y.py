"""What a screen reader is given on a console page, read from Chromium's accessibility tree.

The browser tests call `assert_accessible` on every page they reach. It reads the tree that
Chromium hands assistive technology (DevTools Protocol ``Accessibility.getFullAXTree``: the
roles, computed names, descriptions and states a screen reader announces), plus the few DOM
facts the tree leaves out (the document's language, broken ARIA references). `tab_walk` and
`focus_shown` drive the keyboard. No screen reader is run: docs/gateway.md says what that
leaves unchecked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

BRAND = "Assessor gateway console"
# console.css's focus style: a yellow outline with a black ring outside it.
FOCUS_OUTLINE, FOCUS_RING = "rgb(255, 221, 0)", "rgb(11, 12, 12)"
# Roles a person fills in or presses: each must have a name that says what it is for.
CONTROLS = frozenset(
    {"textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "spinbutton", "button"}
)
# Link and button names that say nothing when a screen reader lists them out of context.
VAGUE = frozenset(
    {
        "here",
        "click here",
        "link",
        "this",
        "this link",
        "more",
        "read more",
        "go",
        "click",
        "show",
        "submit",
        "ok",
    }
)
_DOM_FACTS = """
const ids = new Set(Array.from(document.querySelectorAll('[id]'), e => e.id));
const broken = [];
for (const e of document.querySelectorAll('[aria-describedby], [aria-labelledby], label[for]')) {
  const refs = [e.getAttribute('aria-describedby'), e.getAttribute('aria-labelledby'),
                e.getAttribute('for')].join(' ').split(/\\s+/).filter(Boolean);
  for (const r of refs) if (!ids.has(r)) broken.push(e.outerHTML.slice(0, 80) + ' -> ' + r);
}
const skip = document.querySelector('body > a[href^="#"]');
return {
  lang: document.documentElement.lang,
  broken: broken,
  skip: skip ? skip.getAttribute('href').slice(1) : null,
  main: Array.from(document.querySelectorAll('main'), m => m.id),
  positive: document.querySelectorAll('[tabindex]:not([tabindex="-1"]):not([tabindex="0"])').length,
  signed_in: !!document.querySelector('form[action="/console/sign-out"]'),
  // Chromium gives a table without header cells to screen readers as layout, not as a table.
  headless: Array.from(document.querySelectorAll('table'))
    .filter(t => !t.querySelector('th')).length,
};
"""


@dataclass(frozen=True)
class Node:
    """One node of the accessibility tree, as a screen reader would meet it."""

    id: str
    role: str
    name: str
    description: str
    properties: dict[str, Any]
    children: tuple[str, ...]


def tree(driver: Any) -> dict[str, Node]:
    """The page's accessibility tree without the nodes Chromium leaves out of it (ignored)."""
    answer = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})
    nodes = {}
    for raw in answer["nodes"]:
        if raw.get("ignored"):
            continue
        properties = {p["name"]: p["value"].get("value") for p in raw.get("properties", [])}
        nodes[raw["nodeId"]] = Node(
            raw["nodeId"],
            raw.get("role", {}).get("value", ""),
            " ".join(str(raw.get("name", {}).get("value", "")).split()),
            " ".join(str(raw.get("description", {}).get("value", "")).split()),
            properties,
            tuple(raw.get("childIds", ())),
        )
    return nodes


def _below(nodes: dict[str, Node], node: Node) -> list[Node]:
    found, stack = [], list(node.children)
    while stack:
        child = nodes.get(stack.pop())
        if child is not None:
            found.append(child)
            stack.extend(child.children)
    return found


def _plain(name: str) -> str:
    return re.sub(r"[^a-z ]", "", name.lower()).strip()


def problems(driver: Any) -> list[str]:
    """Every way this page fails the console's accessibility checks (empty: none)."""
    nodes = tree(driver)
    facts = driver.execute_script(_DOM_FACTS)
    found: list[str] = []
    if not re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", facts["lang"] or ""):
        found.append(f"<html> has no language (lang={facts['lang']!r})")
    found += [f"ARIA or label reference to a missing id: {b}" for b in facts["broken"]]
    if facts["positive"]:
        found.append("a positive tabindex changes the keyboard order from the reading order")

    by_role: dict[str, list[Node]] = defaultdict(list)
    for node in nodes.values():
        by_role[node.role].append(node)
    h1s = [n.name for n in by_role["heading"] if n.properties.get("level") == 1]
    if len(h1s) != 1 or not h1s[0]:
        found.append(f"the page has {len(h1s)} level-1 headings, not one with words: {h1s}")
    (root,) = by_role["RootWebArea"]
    if h1s and root.name != f"{h1s[0]} – {BRAND}":
        found.append(f"the title {root.name!r} does not name the page ({h1s[0]!r})")

    if len(by_role["main"]) != 1 or facts["main"] != [facts["skip"]]:
        found.append(f"no one main landmark the skip link goes to: {facts}")
    if facts["signed_in"] and not [n for n in by_role["navigation"] if n.name]:
        found.append("a signed-in page has no named navigation landmark")

    for node in nodes.values():
        if node.role in CONTROLS and not node.name:
            found.append(f"a {node.role} has no accessible name")
        if node.role in CONTROLS and node.properties.get("invalid") == "true":
            if not node.description:
                found.append(f"{node.role} {node.name!r} is invalid but its error is not read")
        if node.role in ("link", "button") and _plain(node.name) in VAGUE | {""}:
            found.append(f"a {node.role} named {node.name!r} makes no sense out of context")

    targets: dict[str, set[str]] = defaultdict(set)
    for link in by_role["link"]:
        targets[link.name].add(str(link.properties.get("url", "")))
    found += [
        f"the links named {name!r} go to {len(urls)} different places"
        for name, urls in targets.items()
        if len(urls) > 1
    ]

    if facts["headless"]:
        found.append(f"{facts['headless']} table(s) have no header cells (th)")
    for table in by_role["table"]:
        headers = [n for n in _below(nodes, table) if n.role in ("columnheader", "rowheader")]
        if not headers:
            found.append(f"the table {table.name!r} has no header cells")
        if not table.name:
            found.append("a table has no name (caption or aria-labelledby)")

    alerts = len(by_role["alert"])
    summaries = driver.execute_script("return document.querySelectorAll('.error-summary').length")
    if summaries != alerts:
        found.append(f"{summaries} error summaries but {alerts} announced as alerts")
    return found


def assert_accessible(driver: Any) -> None:
    """Fail with every problem of the page in the browser, and its address."""
    found = problems(driver)
    assert not found, f"{driver.current_url}:\n  " + "\n  ".join(found)


_ACTIVE = """
const e = document.activeElement;
if (!e || e === document.body) return null;
const s = getComputedStyle(e);
const r = e.getBoundingClientRect();
return {
  key: e.tagName.toLowerCase() + '#' + (e.id || e.getAttribute('href') || e.textContent.trim()),
  outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : '',
  shadow: s.boxShadow === 'none' ? '' : s.boxShadow,
  seen: r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0
        && r.left < innerWidth && r.top < innerHeight,
};
"""
_TABBABLE = """
return Array.from(document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]'))
  .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length)
  .filter(e => e.type !== 'radio' || e.checked
               || !document.querySelector(`input[name="${e.name}"]:checked`)
                  && document.querySelector(`input[name="${e.name}"]`) === e)
  .map(e => e.tagName.toLowerCase() + '#'
             + (e.id || e.getAttribute('href') || e.textContent.trim()));
"""


@dataclass(frozen=True)
class Stop:
    """Where one press of Tab put the focus, and how it showed."""

    key: str
    """The element: tag, then its id, link target or words."""
    outline: str
    """The colour of the focus outline (empty: no outline of at least 2px)."""
    shadow: str
    """The focus box-shadow (empty: none)."""
    seen: bool
    """Whether the focused element is on the screen (a skip link shows itself when focused)."""


def tab_walk(driver: Any) -> tuple[list[Stop], list[str]]:
    """Press Tab from the top of a page just loaded until focus leaves it: stops, reading order.

    The page must have nothing focused yet (Chromium starts from where focus last was). The
    reading order is the page's focusable elements in document order (one stop for each
    group of radio buttons, as browsers give): what the stops should be, one for one.
    """
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    expected: list[str] = driver.execute_script(_TABBABLE)
    assert driver.execute_script(_ACTIVE) is None, "the walk must start on a page just loaded"
    stops: list[Stop] = []
    for _ in range(len(expected) + 1):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.execute_script(_ACTIVE)
        if active is None or (stops and active["key"] == stops[0].key):
            break
        stops.append(Stop(**active))
    return stops, expected
