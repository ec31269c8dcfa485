"""Generated evaluation items for the text detector (``python -m bench.evalgen``).

Phrasings (:mod:`.phrasings`) x value renderings (:mod:`.renderings`) x
speech-to-text styles (:mod:`.stt`) x context, over public test cards and
generated numbers (:mod:`.values`), split into dev and test by template
(:mod:`.generate`). The frozen split lives in ``bench/data/generated``.
"""
