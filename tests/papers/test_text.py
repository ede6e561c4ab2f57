"""The shared text measures: which characters are CJK, and how many tokens a text costs."""

import pytest

from papers.text import CJK_CHAR, text_language, tokens_estimate


def test_tokens_estimate_counts_cjk_characters_one_each():
    assert tokens_estimate("扩散模型") == 4


def test_tokens_estimate_counts_four_other_characters_as_one_token():
    assert tokens_estimate("abcdefgh") == 2


def test_tokens_estimate_rounds_a_partial_token_up():
    assert tokens_estimate("abcde") == 2


@pytest.mark.parametrize(
    "char",
    ["扩", "㐀", "豈", "𠀀", "か", "カ", "。", "「", "，", "Ａ", "（"],
    ids=[
        "ideograph",
        "extension-a",
        "compatibility",
        "extension-b",
        "hiragana",
        "katakana",
        "full-stop",
        "corner-bracket",
        "fullwidth-comma",
        "fullwidth-letter",
        "fullwidth-paren",
    ],
)
def test_cjk_char_matches_ideographs_kana_cjk_punctuation_and_fullwidth_forms(char):
    assert CJK_CHAR.fullmatch(char)


@pytest.mark.parametrize("char", ["a", "é", "1", ".", ",", " "])
def test_cjk_char_leaves_latin_digits_and_ascii_punctuation_out(char):
    assert not CJK_CHAR.fullmatch(char)


def test_text_language_tells_chinese_from_english_that_quotes_terms():
    assert text_language("Diffusion models generate images from text prompts.") == "en"
    assert text_language("我们提出了一种基于扩散模型（Diffusion Model）的视频生成方法，提升了时间一致性。") == "zh-hans"
    assert text_language("A survey of 扩散模型 in English prose about diffusion models and their training.") == "en"
    assert text_language("") == "en"
