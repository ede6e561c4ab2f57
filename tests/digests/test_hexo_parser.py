"""Reading Hexo digest posts: every variant the reference post uses, and malformed posts."""

from pathlib import Path

import pytest

from digests.hexo.parser import HexoParseError, parse_post
from papers.sections import SECTION_FIELDS

REFERENCE = Path(__file__).parents[1] / "fixtures" / "hexo" / "digest-2024-05-02-diffusion-models.md"


@pytest.fixture(scope="module")
def text():
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def post(text):
    return parse_post(text)


def paper(post, arxiv_id):
    return next(p for p in post.papers if p.arxiv_id == arxiv_id)


def test_reference_post_has_seven_papers_in_order_with_ids_and_versions(post):
    assert [(p.arxiv_id, p.version) for p in post.papers] == [
        ("2404.19382", 1),
        ("2404.18919", 1),
        ("2404.18620", 1),
        ("2404.18598", 1),
        ("2404.18065", 1),
        ("2404.17900", 1),
        ("2404.17735", 1),
    ]


def test_front_matter_banner_and_day_are_read(post):
    assert post.title == "Diffusion Models"
    assert post.tags == ["Diffusion Models"]
    assert post.published_at.isoformat() == "2024-05-02T10:21:37"
    assert post.date.isoformat() == "2024-05-02"
    assert post.model_name == "Gemini-Pro"
    assert post.cover == "https://pic1.zhimg.com/v2-abb4a9d2f1e50d8adfd617a0dc760606.jpg"


def test_facts_come_from_the_metadata_lines(post):
    flexi = paper(post, "2404.18620")
    assert flexi.title == "FlexiFilm: Long Video Generation with Flexible Conditions"
    assert flexi.authors == ["Yichen Ouyang", "jianhao Yuan", "Hao Zhao", "Gaoang Wang", "Bo zhao"]
    assert flexi.comment == "9 pages, 9 figures"
    assert flexi.abstract.startswith("Generating long and consistent videos")
    # Titles wrapped by arXiv lose their runs of spaces.
    assert post.papers[0].title == ("Probing Unlearned Diffusion Models: A Transferable Adversarial Attack Perspective")
    assert (
        paper(post, "2404.18598").comment == "16 pages, 9 figures, project page: https://anywheremultiagent.github.io"
    )


def test_every_paper_has_every_section_except_the_failed_method(post):
    for item in post.papers:
        for name in SECTION_FIELDS:
            assert item.sections[name], (item.arxiv_id, name)
        assert 5 <= len(item.sections["key_takeaways"]) <= 8


@pytest.mark.parametrize(
    "arxiv_id, heading_variant",
    [("2404.18065", "**摘要：** / **要点：** with * bullets"), ("2404.17735", "**摘要：** / **关键要点：**")],
)
def test_chinese_heading_variants_give_one_line_and_takeaways(post, arxiv_id, heading_variant):
    item = paper(post, arxiv_id)
    assert item.sections["one_line"] and "**" not in item.sections["one_line"]
    assert all(not t.startswith(("*", "-")) for t in item.sections["key_takeaways"])


def test_numbered_summary_maps_to_background_prior_work_method_results(post):
    probing = paper(post, "2404.19382").sections
    assert probing["background"].startswith("文本到图像（T2I）扩散模型")  # "研究背景：" label stripped
    assert probing["prior_work"].startswith("现有的概念擦除方法")
    assert probing["method"].startswith("本文提出了一种可转移的对抗攻击")
    assert probing["results"].startswith("实验表明")


def test_pre_code_blocks_and_english_labels_are_read(post):
    theater = paper(post, "2404.18919").sections
    assert theater["background"].startswith("当前的扩散模型")
    assert theater["results"].startswith("广泛的实验结果表明")
    assert theater["keywords"] == ["Diffusion models", "Consistency", "Multi-turn image generation"]


def test_methods_and_conclusion_that_fall_out_of_the_list_are_read(post):
    theater = paper(post, "2404.18919").sections
    assert len(theater["method_steps"]) == 3
    assert theater["method_steps"][0].startswith("提出基于大语言模型（LLM）的角色设计师")
    assert theater["significance"].startswith("本文提出了 TheaterGen")
    assert theater["innovation"].startswith("提出基于大语言模型")
    assert theater["performance"].startswith("广泛的实验结果表明")
    assert theater["workload"] == "TheaterGen 是一个无训练框架，不需要额外的训练成本。"


def test_conclusion_parts_on_separate_paragraphs_are_split(post):
    anywhere = paper(post, "2404.18598").sections
    assert anywhere["innovation"].startswith("Anywhere 采用了多智能体框架")
    assert anywhere["performance"].startswith("Anywhere 在基于前景条件的图像修复任务上")
    assert anywhere["workload"].startswith("Anywhere 框架的实现相对复杂")


def test_english_innovation_performance_workload_labels_are_split(post):
    probing = paper(post, "2404.19382").sections
    assert probing["innovation"].startswith("提出了一种可转移的对抗攻击方法")
    assert probing["performance"].startswith("实验结果表明")
    assert probing["workload"].startswith("该方法需要使用对抗搜索策略")


def test_methods_heading_in_english_with_steps_inside_the_list(post):
    mdps = paper(post, "2404.17900").sections
    assert len(mdps["method_steps"]) == 4
    assert mdps["method_steps"][3] == "异常分数通过对多个后验样本的差异图求平均得到。"


def test_placeholder_for_missing_method_is_kept_where_the_method_belongs(post):
    causal = paper(post, "2404.17735").sections
    assert causal["method_steps"] == ["Some Error for method(比如是不是没有Methods这个章节)"]
    assert "Some Error" not in causal["results"]


def test_bulleted_conclusion_keeps_its_bullets_and_drops_the_prompt_echo(post):
    causal = paper(post, "2404.17735").sections
    assert causal["significance"].startswith("本工作提出了 CausalDiffAE")
    assert causal["innovation"].count("\n- ") == 3
    assert causal["workload"].startswith("- 该方法需要大量的数据")


def test_model_claims_are_kept_apart_from_facts(post):
    grounded = paper(post, "2404.18065")
    assert grounded.claims.authors[0] == "Xudong Zhang"
    assert grounded.claims.affiliation.startswith("麻省理工学院")
    assert grounded.claims.urls == ["https://arxiv.org/pdf/2302.04742.pdf"]
    assert grounded.authors[0] == "Xiaolong Li"
    flexi = paper(post, "2404.18620")
    assert "Tiejun Huang" in flexi.claims.authors and "Tiejun Huang" not in flexi.authors
    # Names wrapped over two lines and names in an HTML list are both whole names.
    assert "Yuxin He" in paper(post, "2404.18919").claims.authors
    assert paper(post, "2404.19382").claims.authors[:2] == ["Xiaoxuan Han", "Songlin Yang"]


def test_figure_urls_come_from_the_fold_out_in_order(post):
    assert [len(p.figure_urls) for p in post.papers] == [6, 3, 6, 4, 5, 4, 2]
    assert post.papers[0].figure_urls[0] == "https://picx.zhimg.com/v2-aeb2a7c17e04ea32837496f134911073.jpg"


def test_unclosed_front_matter_is_reported_with_its_line(text):
    broken = text.replace("aside:\n---", "aside:", 1)
    with pytest.raises(HexoParseError) as error:
        parse_post(broken)
    assert error.value.line == 2
    assert "never closed" in error.value.message


def test_invalid_yaml_is_reported_with_the_line_of_the_problem(text):
    broken = text.replace("author: Kedreamix", "author: [Kedreamix", 1)
    with pytest.raises(HexoParseError) as error:
        parse_post(broken)
    assert error.value.line in (5, 6)
    assert "YAML" in error.value.message


def test_paper_block_without_pdf_link_is_reported_with_the_block_line(text):
    broken = text.replace("[PDF](http://arxiv.org/abs/2404.18620v1) 9 pages, 9 figures", "9 pages, 9 figures")
    with pytest.raises(HexoParseError) as error:
        parse_post(broken)
    lines = broken.splitlines()
    assert lines[error.value.line - 1].startswith("## FlexiFilm")
    assert "PDF" in error.value.message


def test_a_paper_twice_in_one_post_is_an_error(text):
    broken = text.replace("http://arxiv.org/abs/2404.18620v1", "http://arxiv.org/abs/2404.19382v1")
    with pytest.raises(HexoParseError, match="appears twice"):
        parse_post(broken)


def test_only_a_short_heading_before_a_colon_is_stripped_from_a_summary_point():
    from digests.hexo.parser import _strip_sublabel

    assert _strip_sublabel("研究背景：现有方法，例如：扩散模型") == "现有方法，例如：扩散模型"
    assert _strip_sublabel("长视频生成很难，现有方法：不行") == "长视频生成很难，现有方法：不行"
    assert _strip_sublabel("MDPS: a masked posterior sampler") == "MDPS: a masked posterior sampler"
