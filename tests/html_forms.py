"""Read a page's forms as a browser would post them: what the person loaded is what they send."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "data": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        data = self._form["data"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            data[name] = attrs.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea = name
            data[name] = ""
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
                data[self._select] = value
            if "selected" in attrs and not self._select_chosen:
                data[self._select] = value
                self._select_chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            text = self._form["data"][self._textarea] + data
            self._form["data"][self._textarea] = (
                text.removeprefix("\n") if not self._form["data"][self._textarea] else text
            )


def forms_of(html: str) -> list[dict]:
    """Every form of the page: {"attrs": {...}, "data": {field: value}}."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_data(response, *, attr: str = "data-warn-unsaved", index: int = 0) -> dict[str, str]:
    """The data of the page's `index`-th form that has the attribute `attr` (or whose action is `attr`)."""
    html = response.content.decode()
    matching = [
        form for form in forms_of(html) if attr in form["attrs"] or form["attrs"].get("action") == attr
    ]
    assert matching, f"no form with {attr!r} on the page"
    return dict(matching[index]["data"])


def unit_data(response, unit: str) -> dict[str, str]:
    """The data of the form that posts one unit (its hidden ``unit`` field), as loaded."""
    matching = [form for form in forms_of(response.content.decode()) if form["data"].get("unit") == unit]
    assert len(matching) == 1, f"{len(matching)} forms for the unit {unit!r} on the page"
    return dict(matching[0]["data"])
