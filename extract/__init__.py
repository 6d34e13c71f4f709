"""extract: text in, facts out (pure functions, no database).

>>> from extract import extract_text
>>> res = extract_text("1月28日，郑州高新区共有12个项目，总投资额160.7亿元。", "2023-01-29")
"""

from .models import ExtractionResult  # noqa: F401
from .pipeline import extract_text  # noqa: F401

__all__ = ["extract_text", "ExtractionResult"]
