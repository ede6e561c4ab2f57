"""The reference digest's three published errors, replayed as model answers, are each caught."""

import pytest

from papers.services.summarize import paper_summarize
from tests.factories import PaperFactory
from tests.fake_llm import Reply, answer

pytestmark = pytest.mark.django_db


def flags_by_code(summary):
    found = {}
    for flag in summary.flags:
        found.setdefault(flag["code"], []).append(flag)
    return found


def test_grounded_dreamer_invented_authors_and_foreign_link_are_flagged(fake_llm):
    paper = PaperFactory(
        arxiv_id="2404.18065",
        title="Grounded Compositional and Diverse Text-to-3D with Pretrained Multi-View Diffusion Model",
        abstract=(
            "In this paper, we propose an effective two-stage approach named Grounded-Dreamer to generate 3D "
            "assets that can accurately follow complex, compositional text prompts while achieving high fidelity "
            "by using a pre-trained multi-view diffusion model. Multi-view diffusion models, such as MVDream, "
            "have shown to generate high-fidelity 3D assets using score distillation sampling (SDS)."
        ),
        authors=[
            "Xiaolong Li",
            "Jiawei Mo",
            "Ying Wang",
            "Chethan Parameshwara",
            "Xiaohan Fei",
            "Ashwin Swaminathan",
            "CJ Taylor",
            "Zhuowen Tu",
            "Paolo Favaro",
            "Stefano Soatto",
        ],
    )
    fake_llm.script(
        Reply(
            answer(
                "zh-hans",
                background="Xudong Zhang et al. at MIT propose Grounded-Dreamer，利用 MVDream 生成 3D 资产。"
                "作者：Xudong Zhang, Huchuan Lu, Yinda Zhang, Xiaoguang Han, Joshua B. Tenenbaum, Jiajun Wu",
                prior_work="现有方法无法理解组合式文本提示。论文链接：https://arxiv.org/pdf/2302.04742.pdf，Github：无",
            )
        )
    )

    summary = paper_summarize(paper=paper, language="zh-hans")

    flags = flags_by_code(summary)
    authors = {f["message"] for f in flags["unknown_author"]}
    assert "author not in metadata: Xudong Zhang" in authors
    assert "author not in metadata: Joshua B. Tenenbaum" in authors
    assert all(f["blocking"] and f["section"] == "background" for f in flags["unknown_author"])
    (link,) = flags["foreign_reference"]
    assert link["message"] == "link that is not this paper's: https://arxiv.org/pdf/2302.04742.pdf"
    assert link["blocking"] and link["section"] == "prior_work"
    assert "placeholder_text" not in flags  # "无法理解" is prose, not an apology


def test_flexifilm_foreign_arxiv_link_and_extra_author_are_flagged(fake_llm):
    paper = PaperFactory(
        arxiv_id="2404.18620",
        title="FlexiFilm: Long Video Generation with Flexible Conditions",
        abstract=(
            "Generating long and consistent videos has emerged as a significant yet challenging problem. "
            "Thus, in this work, we introduce FlexiFilm, a new diffusion model tailored for long video generation. "
            "Project page: https://y-ichen.github.io/FlexiFilm-Page/"
        ),
        authors=["Yichen Ouyang", "jianhao Yuan", "Hao Zhao", "Gaoang Wang", "Bo zhao"],
    )
    fake_llm.script(
        Reply(
            answer(
                "zh-hans",
                one_line="本文提出 FlexiFilm，一种专为长视频生成设计的扩散模型。Paper: https://arxiv.org/abs/2302.09413",
                background="Authors: Yichen Ouyang, Jianhao Yuan, Hao Zhao, Tiejun Huang, Gaoang Wang, Bo Zhao。"
                "长视频生成面临时空一致性挑战，项目主页 https://y-ichen.github.io/FlexiFilm-Page/ 展示了结果。",
            )
        )
    )

    summary = paper_summarize(paper=paper, language="zh-hans")

    flags = flags_by_code(summary)
    assert [f["message"] for f in flags["unknown_author"]] == ["author not in metadata: Tiejun Huang"]
    assert [f["message"] for f in flags["foreign_reference"]] == [
        "link that is not this paper's: https://arxiv.org/abs/2302.09413"
    ]


def test_causal_diffae_error_placeholder_in_method_is_flagged(fake_llm):
    paper = PaperFactory(
        arxiv_id="2404.17735",
        title="Causal Diffusion Autoencoders: Toward Counterfactual Generation via Diffusion Probabilistic Models",
        authors=["Aneesh Komanduri", "Chen Zhao", "Feng Chen", "Xintao Wu"],
    )
    fake_llm.script(Reply(answer("zh-hans", method="Some Error for method(比如是不是没有Methods这个章节)")))

    summary = paper_summarize(paper=paper, language="zh-hans")

    (flag,) = [f for f in summary.flags if f["code"] == "placeholder_text"]
    assert flag["section"] == "method" and flag["blocking"]
    assert flag["message"].startswith("placeholder text in method")
    assert summary.has_blocking_flags
