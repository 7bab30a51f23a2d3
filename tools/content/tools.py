"""The ``write_product_content`` tool."""

from __future__ import annotations

from tools.content.base import ContentAuthor
from tools.content.models import ContentInput, ContentResult
from tools.spec import ToolSpec


def content_tools(author: ContentAuthor) -> list[ToolSpec[ContentInput, ContentResult]]:
    """The content tools bound to an author (the content graph)."""

    async def write_product_content(args: ContentInput) -> ContentResult:
        """Write product copy for a merchandiser: title, description, bullet points, meta
        description and keywords, each claim with the product data it rests on.

        Use it when asked to write, draft or rewrite a product's description, title or SEO
        copy. ``tone``: neutral, playful, elegant or practical; ``language``: en, de, fr, es
        or it; ``keywords``: target searches (default: the searches that lead to the
        product). The copy is checked (invented facts, banned claims, personal data, length,
        keywords, reading ease), refined, and stored as a new version.
        """
        return await author.write(args)

    return [ToolSpec("write_product_content", ContentInput, ContentResult, write_product_content)]
