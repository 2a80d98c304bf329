"""Reading editors' files safely: size limits, encodings, garbled text.

Editors paste from Word, WeChat and old websites. A file saved as GBK, a
half-converted page full of U+FFFD, a BOM or CRLF line ends must either be
accepted silently (BOM, CRLF) or refused with a message that names the line and
the command that fixes it. Nothing here ever writes to the editor's file.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from pathlib import Path

from .errors import ContentError, Location

# A data file or article larger than this is almost certainly not hand-written
# (a pasted database dump, a binary): refuse before parsing it.
MAX_FILE_BYTES = 4 * 1024 * 1024

# Signs of text that went through a wrong encoding somewhere on its way.
_GARBLE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile("\ufffd"), "替换字符 U+FFFD（�），说明文字在复制或转码时已经损坏"),
    (re.compile("锟斤拷"), "“锟斤拷”乱码，说明文字曾被错误地转码"),
    (re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"), "不可见的控制字符"),
]


def read_bytes(path: Path, shown: str) -> bytes:
    """An editor's file's bytes, or a ContentError saying why not: a folder
    named like a file, a device or pipe (a link to /dev/zero was read
    without end, a named pipe waited for a writer), no permission, over
    the size limit."""
    try:
        # Non-blocking: opening a named pipe would wait for a writer.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(info.st_mode):
                raise ContentError(Location(shown), "这不是普通文件（是设备、管道或链接到它们）", "请换成普通的文本文件，或把它移出 content/")
            if info.st_size > MAX_FILE_BYTES:
                raise _too_large(shown, info.st_size)
            # read(), not read(limit + 1): that allocates the limit for
            # every file, 2.7 times as slow for 5,000 bulletins.
            data = fh.read()
    except IsADirectoryError:
        raise ContentError(Location(shown), "这是一个文件夹，却用了文件的扩展名", "请给文件夹改名（去掉 .yml 或 .md），或把它移出 content/") from None
    except OSError as exc:
        raise ContentError(Location(shown), f"无法读取文件（{exc.strerror or exc}）", "请检查文件是否存在、是否有读取权限") from None
    if len(data) > MAX_FILE_BYTES:  # it grew since fstat
        raise _too_large(shown, len(data))
    return data


def _too_large(shown: str, size: int) -> ContentError:
    return ContentError(
        Location(shown),
        f"文件过大（{size // 1024} KB，上限 {MAX_FILE_BYTES // 1024} KB）",
        "请拆分为多个文件，或检查是否误粘贴了非文本内容",
    )


def read_text(path: Path, shown: str) -> str:
    """Read an editor's file as text, or raise a ContentError saying why not.

    Accepts a UTF-8 BOM and CRLF/CR line ends (normalised to LF). Rejects
    files over the size limit, non-UTF-8 files (naming GBK/GB18030 when the
    bytes decode as such, with the iconv command to convert), and text that
    shows signs of earlier garbling.
    """
    data = read_bytes(path, shown)
    utf16 = _utf16(data)
    if utf16:
        # Valid UTF-8 when the text is ASCII (NUL is a character), so this
        # is asked before decoding, or it was "garbled: control character".
        raise ContentError(
            Location(shown),
            "文件是 UTF-16 编码（Windows 记事本另存为“Unicode”时的编码），不是 UTF-8",
            f"请另存为 UTF-8，或运行：{_iconv(utf16, shown)}",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        # Columns count characters, as editors' editors do, not bytes.
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        if _looks_like_gb(data):
            raise ContentError(
                Location(shown, line, col),
                "文件不是 UTF-8 编码，看起来是 GBK/GB18030（常见于 Windows 记事本或旧网站）",
                f"请另存为 UTF-8，或运行：{_iconv('GB18030', shown)}",
            ) from None
        raise ContentError(
            Location(shown, line, col),
            "文件不是有效的 UTF-8 文本（可能是二进制文件或编码错误）",
            "请用编辑器以 UTF-8 编码重新保存该文件",
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    check_garbled(text, shown)
    return text


def _iconv(encoding: str, shown: str) -> str:
    """The command that converts the file to UTF-8 in place. Quoted for the
    shell: a file named it's $(touch x).md ran touch when pasted."""
    tmp = shlex.quote(shown + ".utf8")
    return f"iconv -f {encoding} -t UTF-8 {shlex.quote(shown)} -o {tmp} && mv {tmp} {shlex.quote(shown)}"


def _utf16(data: bytes) -> str:
    """The iconv name of the UTF-16 the file is in, or "" when it is not.
    Without a byte order mark, text in UTF-16 has a NUL in every other byte
    wherever it is ASCII (line ends, field names, digits)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"  # iconv reads the mark
    if b"\x00" not in data[:4096]:  # the common case, at memchr speed
        return ""
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    # A few the other way round: 一 (U+4E00) is 00 4E in UTF-16LE.
    if odd > pairs // 4 and even * 8 < odd:
        return "UTF-16LE"
    if even > pairs // 4 and odd * 8 < even:
        return "UTF-16BE"
    return ""


def _looks_like_gb(data: bytes) -> bool:
    try:
        decoded = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    # GB18030 decodes almost anything; call it GBK only when CJK text results.
    cjk = sum(1 for ch in decoded if "\u4e00" <= ch <= "\u9fff")
    return cjk >= 2


# UTF-8 read as Windows-1252 or Latin-1 ("æ–°é—»" for 新闻): runs of the
# characters those code pages produce.
_CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_RE = re.compile(f"[\u0080-\u00ff{_CP1252_EXTRA}]{{3,}}")


def _mojibake(text: str) -> tuple[int, str, str] | None:
    """(offset, garbled, original) of the first run that is UTF-8 text decoded
    with the wrong code page; only runs that turn back into non-Latin text
    count, so "café" or Chinese quotes “…” are never flagged."""
    for m in _MOJIBAKE_RE.finditer(text):
        current = m.group(0)
        # Text garbled twice ("Ã¥Â¤Â§") needs undoing twice.
        for _ in range(3):
            for codec in ("cp1252", "latin-1"):
                try:
                    current = current.encode(codec).decode("utf-8")
                    break
                except (UnicodeEncodeError, UnicodeDecodeError):
                    continue
            else:
                break
            if any(ord(ch) > 0x2FF for ch in current):
                return m.start(), m.group(0), current
    return None


def check_garbled(text: str, shown: str, first_line: int = 1) -> None:
    """Raise a ContentError at the first sign of garbled text."""
    found: list[tuple[int, str]] = []
    for pattern, what in _GARBLE_PATTERNS:
        m = pattern.search(text)
        if m:
            found.append((m.start(), what))
    bad = _mojibake(text)
    if bad:
        found.append((bad[0], f"“{bad[1]}”一类乱码（原文应为“{bad[2]}”），说明 UTF-8 文字被当成 Windows/Latin-1 编码读取过"))
    if found:
        start, what = min(found)
        line = text.count("\n", 0, start) + first_line
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        raise ContentError(
            Location(shown, line, col),
            f"文字疑似乱码：发现{what}",
            "请从原始文档重新复制这一段，或删去乱码后再保存",
        )
