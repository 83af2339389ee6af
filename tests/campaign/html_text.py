"""Reading rendered HTML in tests: the text of blocks, without a browser."""

from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th"}
LINE_BREAK = "\x00"
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}


class _BlockText(HTMLParser):
    def __init__(self, css_class):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.depth = 0  # nesting depth inside the selected element; 0 = outside
        self.current = None  # (tag, depth, parts) of the block being read
        self.blocks = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            if tag == "br" and self.current:
                self.current[2].append(LINE_BREAK)
            return
        if self.depth:
            self.depth += 1
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1
        if self.depth and tag in BLOCKS and self.current is None:
            self.current = (tag, self.depth, [])

    def handle_endtag(self, tag):
        if tag in VOID or not self.depth:
            return
        if self.current and tag == self.current[0] and self.depth == self.current[1]:
            lines = "".join(self.current[2]).split(LINE_BREAK)
            self.blocks.append("\n".join(" ".join(line.split()) for line in lines))
            self.current = None
        self.depth -= 1

    def handle_data(self, data):
        if self.current:
            self.current[2].append(data)


def block_texts(html, css_class):
    """The text of each paragraph, list item and heading inside the first element with ``css_class``."""
    parser = _BlockText(css_class)
    parser.feed(html)
    return parser.blocks


class _Heading(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.parts = []
        self.found = False

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and not self.found:
            self.inside = True

    def handle_endtag(self, tag):
        if tag == "h1" and self.inside:
            self.inside = False
            self.found = True

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def heading(html):
    """The text of the page's first ``<h1>``: what the reader is told the page is."""
    parser = _Heading()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())
