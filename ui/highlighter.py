"""Python syntax highlighting for the code editor, lexed by Pygments."""
from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette, QSyntaxHighlighter, QTextCharFormat, QTextDocument

# Styles picked for contrast against the editor's own (palette) background, not Pygments' background.
LIGHT_STYLE = "default"
DARK_STYLE = "monokai"


def is_dark(palette: QPalette) -> bool:
    """True when the palette's base (text background) colour is dark."""
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


class PygmentsHighlighter(QSyntaxHighlighter):
    """Colours a QTextDocument with Pygments' PythonLexer.

    QSyntaxHighlighter works block by block, but a lexer needs the whole text: a `\"\"\"` typed on
    line 3 changes how line 40 reads.  So the whole document is lexed once per change and the
    formats are cached per block; each block's state is set to "which string token is still
    open at the end of this line", so Qt re-highlights the following blocks exactly when an edit
    opens or closes a multi-line string.

    Attributes:
        dark: whether the dark style is in use (follow the palette with `set_palette`).
    """

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(None)
        # Made on first use: importing Pygments and compiling its Python rules takes ~50 ms,
        # which the window spends after its first paint (the editor is empty until a lesson
        # opens).  The formats (None: not built yet) come from Pygments' style likewise.
        self._lexer = None
        self._formats: dict | None = None
        self._lines: list[list[tuple[int, int, QTextCharFormat]]] = []
        self._line_states: list[int] = []
        self._dirty = True
        self._state_ids: dict = {}
        self.dark = dark
        # Connected before setDocument() so this slot runs before Qt's own re-highlighting slot:
        # document.revision() is no cache key, setPlainText() clears and inserts in one revision.
        document.contentsChange.connect(self._mark_dirty)
        self.setDocument(document)

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True

    # -- styling ---------------------------------------------------------------------------------
    def set_palette(self, palette: QPalette) -> None:
        """Switch light/dark style to match `palette`; re-highlights when it changed."""
        dark = is_dark(palette)
        if dark != self.dark:
            self.dark = dark
            self._formats = None      # rebuilt in the new style by the re-highlighting below
            self._dirty = True
            self.rehighlight()

    def _build_formats(self) -> None:
        from pygments.styles import get_style_by_name
        from pygments.token import Error
        style = get_style_by_name(DARK_STYLE if self.dark else LIGHT_STYLE)
        self._formats = {}
        for ttype, spec in style:  # specs come resolved (inherited from parent token types)
            if not (spec["color"] or spec["bold"] or spec["italic"] or ttype in Error):
                continue
            fmt = QTextCharFormat()
            if spec["color"]:
                fmt.setForeground(QColor("#" + spec["color"]))
            if spec["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if spec["italic"]:
                fmt.setFontItalic(True)
            if ttype in Error:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                fmt.setUnderlineColor(QColor("#d03030"))
            self._formats[ttype] = fmt

    def _format_for(self, ttype) -> QTextCharFormat | None:
        # Walk up the token hierarchy (String.Doc -> String -> Literal) to the nearest styled type.
        while ttype is not None:
            fmt = self._formats.get(ttype)
            if fmt is not None:
                return fmt
            ttype = ttype.parent
        return None

    # -- lexing ----------------------------------------------------------------------------------
    def _relex(self) -> None:
        doc = self.document()
        text = doc.toPlainText()
        lines: list[list[tuple[int, int, QTextCharFormat]]] = [[]]
        states: list[int] = []
        col = 0
        if not text:     # an empty editor (the window's first paint): nothing to lex yet
            self._lines, self._line_states, self._dirty = lines, [0], False
            return
        if self._lexer is None:
            from pygments.lexers import PythonLexer
            self._lexer = PythonLexer(stripnl=False, ensurenl=False)
        if self._formats is None:
            self._build_formats()
        from pygments.token import String
        for ttype, value in self._lexer.get_tokens(text):
            fmt = self._format_for(ttype)
            parts = value.split("\n")
            for i, part in enumerate(parts):
                if i > 0:
                    # A newline inside a string token means the string is still open at line end.
                    states.append(self._state_id(ttype) if ttype in String else 0)
                    lines.append([])
                    col = 0
                if part:
                    if fmt is not None:
                        lines[-1].append((col, len(part), fmt))
                    col += len(part)
        states.append(0)
        self._lines = lines
        self._line_states = states
        self._dirty = False

    def _state_id(self, ttype) -> int:
        # Small stable ints per token type; -1 is Qt's "no state", so start at 1.
        return self._state_ids.setdefault(ttype, len(self._state_ids) + 1)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        if self._dirty:
            self._relex()
        n = self.currentBlock().blockNumber()
        if n < len(self._lines):
            for start, length, fmt in self._lines[n]:
                self.setFormat(start, length, fmt)
            self.setCurrentBlockState(self._line_states[n])
        else:
            self.setCurrentBlockState(0)

