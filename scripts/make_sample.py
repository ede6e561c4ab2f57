"""Generate the bundled offline sample day: an arXiv API answer and one PDF per paper.

The facts (ids, titles, authors, abstracts, comments) are the arXiv metadata
recorded in the 2024-05-02 "Diffusion Models" reference digest. The PDFs are
generated stand-ins, not the real papers: their prose re-uses each abstract,
and their figures and tables are drawn here. Output is byte-for-byte
deterministic, so re-running the script only changes files when this script
changes.

    python scripts/make_sample.py [--out DIR]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import math
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import pymupdf
from PIL import Image, ImageDraw, ImageFilter

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "papers" / "sample" / "2024-05-02"

# The query the sample answers, as the "Diffusion Models" topic would send it.
SEARCH_QUERY = 'abs:"diffusion model" AND cat:cs.CV'
FEED_UPDATED = "2024-05-02T00:00:00-04:00"
# Fixed PDF dates: pymupdf would otherwise leave them empty, and any real
# clock value would make the output differ between runs.
PDF_DATE = "D:20240502000000Z"

ABSTRACTS = {
    "2404.19382": (
        "Advanced text-to-image diffusion models raise safety concerns regarding identity privacy "
        "violation, copyright infringement, and Not Safe For Work content generation. Towards this, "
        "unlearning methods have been developed to erase these involved concepts from diffusion "
        "models. However, these unlearning methods only shift the text-to-image mapping and preserve "
        "the visual content within the generative space of diffusion models, leaving a fatal flaw for"
        " restoring these erased concepts. This erasure trustworthiness problem needs probe, but "
        "previous methods are sub-optimal from two perspectives: (1) Lack of transferability: Some "
        "methods operate within a white-box setting, requiring access to the unlearned model. And the"
        " learned adversarial input often fails to transfer to other unlearned models for concept "
        "restoration; (2) Limited attack: The prompt-level methods struggle to restore narrow "
        "concepts from unlearned models, such as celebrity identity. Therefore, this paper aims to "
        "leverage the transferability of the adversarial attack to probe the unlearning robustness "
        "under a black-box setting. This challenging scenario assumes that the unlearning method is "
        "unknown and the unlearned model is inaccessible for optimization, requiring the attack to be"
        " capable of transferring across different unlearned models. Specifically, we employ an "
        "adversarial search strategy to search for the adversarial embedding which can transfer "
        "across different unlearned models. This strategy adopts the original Stable Diffusion model "
        "as a surrogate model to iteratively erase and search for embeddings, enabling it to find the"
        " embedding that can restore the target concept for different unlearning methods. Extensive "
        "experiments demonstrate the transferability of the searched adversarial embedding across "
        "several state-of-the-art unlearning methods and its effectiveness for different levels of "
        "concepts."
    ),
    "2404.18919": (
        "Recent advances in diffusion models can generate high-quality and stunning images from text."
        " However, multi-turn image generation, which is of high demand in real-world scenarios, "
        "still faces challenges in maintaining semantic consistency between images and texts, as well"
        " as contextual consistency of the same subject across multiple interactive turns. To address"
        " this issue, we introduce TheaterGen, a training-free framework that integrates large "
        "language models (LLMs) and text-to-image (T2I) models to provide the capability of "
        'multi-turn image generation. Within this framework, LLMs, acting as a "Screenwriter", engage'
        " in multi-turn interaction, generating and managing a standardized prompt book that "
        "encompasses prompts and layout designs for each character in the target image. Based on "
        "these, Theatergen generate a list of character images and extract guidance information, akin"
        ' to the "Rehearsal". Subsequently, through incorporating the prompt book and guidance '
        "information into the reverse denoising process of T2I diffusion models, Theatergen generate "
        'the final image, as conducting the "Final Performance". With the effective management of '
        "prompt books and character images, TheaterGen significantly improves semantic and contextual"
        " consistency in synthesized images. Furthermore, we introduce a dedicated benchmark, "
        "CMIGBench (Consistent Multi-turn Image Generation Benchmark) with 8000 multi-turn "
        "instructions. Different from previous multi-turn benchmarks, CMIGBench does not define "
        "characters in advance. Both the tasks of story generation and multi-turn editing are "
        "included on CMIGBench for comprehensive evaluation. Extensive experimental results show that"
        " TheaterGen outperforms state-of-the-art methods significantly. It raises the performance "
        "bar of the cutting-edge Mini DALLE 3 model by 21% in average character-character similarity "
        "and 19% in average text-image similarity."
    ),
    "2404.18620": (
        "Generating long and consistent videos has emerged as a significant yet challenging problem. "
        "While most existing diffusion-based video generation models, derived from image generation "
        "models, demonstrate promising performance in generating short videos, their simple "
        "conditioning mechanism and sampling strategy-originally designed for image generation-cause "
        "severe performance degradation when adapted to long video generation. This results in "
        "prominent temporal inconsistency and overexposure. Thus, in this work, we introduce "
        "FlexiFilm, a new diffusion model tailored for long video generation. Our framework "
        "incorporates a temporal conditioner to establish a more consistent relationship between "
        "generation and multi-modal conditions, and a resampling strategy to tackle overexposure. "
        "Empirical results demonstrate FlexiFilm generates long and consistent videos, each over 30 "
        "seconds in length, outperforming competitors in qualitative and quantitative analyses. "
        "Project page: https://y-ichen.github.io/FlexiFilm-Page/"
    ),
    "2404.18598": (
        "Recent advancements in image inpainting, particularly through diffusion modeling, have "
        "yielded promising outcomes. However, when tested in scenarios involving the completion of "
        "images based on the foreground objects, current methods that aim to inpaint an image in an "
        'end-to-end manner encounter challenges such as "over-imagination", inconsistency between '
        "foreground and background, and limited diversity. In response, we introduce Anywhere, a "
        "pioneering multi-agent framework designed to address these issues. Anywhere utilizes a "
        "sophisticated pipeline framework comprising various agents such as Visual Language Model "
        "(VLM), Large Language Model (LLM), and image generation models. This framework consists of "
        "three principal components: the prompt generation module, the image generation module, and "
        "the outcome analyzer. The prompt generation module conducts a semantic analysis of the input"
        " foreground image, leveraging VLM to predict relevant language descriptions and LLM to "
        "recommend optimal language prompts. In the image generation module, we employ a text-guided "
        "canny-to-image generation model to create a template image based on the edge map of the "
        "foreground image and language prompts, and an image refiner to produce the outcome by "
        "blending the input foreground and the template image. The outcome analyzer employs VLM to "
        "evaluate image content rationality, aesthetic score, and foreground-background relevance, "
        "triggering prompt and image regeneration as needed. Extensive experiments demonstrate that "
        "our Anywhere framework excels in foreground-conditioned image inpainting, mitigating "
        '"over-imagination", resolving foreground-background discrepancies, and enhancing diversity. '
        "It successfully elevates foreground-conditioned image inpainting to produce more reliable "
        "and diverse results."
    ),
    "2404.18065": (
        "In this paper, we propose an effective two-stage approach named Grounded-Dreamer to generate"
        " 3D assets that can accurately follow complex, compositional text prompts while achieving "
        "high fidelity by using a pre-trained multi-view diffusion model. Multi-view diffusion "
        "models, such as MVDream, have shown to generate high-fidelity 3D assets using score "
        "distillation sampling (SDS). However, applied naively, these methods often fail to "
        "comprehend compositional text prompts, and may often entirely omit certain subjects or "
        "parts. To address this issue, we first advocate leveraging text-guided 4-view images as the "
        "bottleneck in the text-to-3D pipeline. We then introduce an attention refocusing mechanism "
        "to encourage text-aligned 4-view image generation, without the necessity to re-train the "
        "multi-view diffusion model or craft a high-quality compositional 3D dataset. We further "
        "propose a hybrid optimization strategy to encourage synergy between the SDS loss and the "
        "sparse RGB reference images. Our method consistently outperforms previous state-of-the-art "
        "(SOTA) methods in generating compositional 3D assets, excelling in both quality and "
        "accuracy, and enabling diverse 3D from the same text prompt."
    ),
    "2404.17900": (
        "Reconstruction-based methods have been commonly used for unsupervised anomaly detection, in "
        "which a normal image is reconstructed and compared with the given test image to detect and "
        "locate anomalies. Recently, diffusion models have shown promising applications for anomaly "
        "detection due to their powerful generative ability. However, these models lack strict "
        "mathematical support for normal image reconstruction and unexpectedly suffer from low "
        "reconstruction quality. To address these issues, this paper proposes a novel and "
        "highly-interpretable method named Masked Diffusion Posterior Sampling (MDPS). In MDPS, the "
        "problem of normal image reconstruction is mathematically modeled as multiple diffusion "
        "posterior sampling for normal images based on the devised masked noisy observation model and"
        " the diffusion-based normal image prior under Bayesian framework. Using a metric designed "
        "from pixel-level and perceptual-level perspectives, MDPS can effectively compute the "
        "difference map between each normal posterior sample and the given test image. Anomaly scores"
        " are obtained by averaging all difference maps for multiple posterior samples. Exhaustive "
        "experiments on MVTec and BTAD datasets demonstrate that MDPS can achieve state-of-the-art "
        "performance in normal image reconstruction quality as well as anomaly detection and "
        "localization."
    ),
    "2404.17735": (
        "Diffusion probabilistic models (DPMs) have become the state-of-the-art in high-quality image"
        " generation. However, DPMs have an arbitrary noisy latent space with no interpretable or "
        "controllable semantics. Although there has been significant research effort to improve image"
        " sample quality, there is little work on representation-controlled generation using "
        "diffusion models. Specifically, causal modeling and controllable counterfactual generation "
        "using DPMs is an underexplored area. In this work, we propose CausalDiffAE, a "
        "diffusion-based causal representation learning framework to enable counterfactual generation"
        " according to a specified causal model. Our key idea is to use an encoder to extract "
        "high-level semantically meaningful causal variables from high-dimensional data and model "
        "stochastic variation using reverse diffusion. We propose a causal encoding mechanism that "
        "maps high-dimensional data to causally related latent factors and parameterize the causal "
        "mechanisms among latent factors using neural networks. To enforce the disentanglement of "
        "causal variables, we formulate a variational objective and leverage auxiliary label "
        "information in a prior to regularize the latent space. We propose a DDIM-based "
        "counterfactual generation procedure subject to do-interventions. Finally, to address the "
        "limited label supervision scenario, we also study the application of CausalDiffAE when a "
        "part of the training data is unlabeled, which also enables granular control over the "
        "strength of interventions in generating counterfactuals during inference. We empirically "
        "show that CausalDiffAE learns a disentangled latent space and is capable of generating "
        "high-quality counterfactual images."
    ),
}


@dataclass
class Paper:
    arxiv_id: str
    title: str
    authors: list[str]
    comment: str | None
    published: str
    categories: list[str]
    # Everything below only shapes the generated PDF.
    short: str
    running_title: str
    columns: int
    affiliations: list[str]
    author_marks: list[tuple[int, ...]]
    links: list[str]
    motivation: str
    contributions: list[str]
    related: list[str]
    method: list[str]
    experiments: list[str]
    limitation: str
    references: list[str]
    figures: list[dict] = field(default_factory=list)
    table: dict | None = None

    @property
    def abstract(self) -> str:
        return ABSTRACTS[self.arxiv_id]


REFS = {
    "ddpm": "J. Ho, A. Jain, and P. Abbeel. Denoising diffusion probabilistic models. In NeurIPS, 2020.",
    "ldm": "R. Rombach, A. Blattmann, D. Lorenz, P. Esser, and B. Ommer. High-resolution image synthesis "
    "with latent diffusion models. In CVPR, 2022.",
    "ddim": "J. Song, C. Meng, and S. Ermon. Denoising diffusion implicit models. In ICLR, 2021.",
    "cfg": "J. Ho and T. Salimans. Classifier-free diffusion guidance. arXiv:2207.12598, 2022.",
    "controlnet": "L. Zhang, A. Rao, and M. Agrawala. Adding conditional control to text-to-image "
    "diffusion models. In ICCV, 2023.",
    "clip": "A. Radford, J. W. Kim, C. Hallacy, et al. Learning transferable visual models from natural "
    "language supervision. In ICML, 2021.",
    "esd": "R. Gandikota, J. Materzynska, J. Fiotto-Kaufman, and D. Bau. Erasing concepts from diffusion "
    "models. In ICCV, 2023.",
    "sld": "P. Schramowski, M. Brack, B. Deiseroth, and K. Kersting. Safe latent diffusion: Mitigating "
    "inappropriate degeneration in diffusion models. In CVPR, 2023.",
    "ti": "R. Gal, Y. Alaluf, Y. Atzmon, et al. An image is worth one word: Personalizing text-to-image "
    "generation using textual inversion. In ICLR, 2023.",
    "madry": "A. Madry, A. Makelov, L. Schmidt, D. Tsipras, and A. Vladu. Towards deep learning models "
    "resistant to adversarial attacks. In ICLR, 2018.",
    "gpt4": "OpenAI. GPT-4 technical report. arXiv:2303.08774, 2023.",
    "llava": "H. Liu, C. Li, Q. Wu, and Y. J. Lee. Visual instruction tuning. In NeurIPS, 2023.",
    "vdm": "J. Ho, T. Salimans, A. Gritsenko, W. Chan, M. Norouzi, and D. J. Fleet. Video diffusion "
    "models. In NeurIPS, 2022.",
    "svd": "A. Blattmann, T. Dockhorn, S. Kulal, et al. Stable video diffusion: Scaling latent video "
    "diffusion models to large datasets. arXiv:2311.15127, 2023.",
    "dreamfusion": "B. Poole, A. Jain, J. T. Barron, and B. Mildenhall. DreamFusion: Text-to-3D using 2D "
    "diffusion. In ICLR, 2023.",
    "mvdream": "Y. Shi, P. Wang, J. Ye, M. Long, K. Li, and X. Yang. MVDream: Multi-view diffusion for 3D "
    "generation. In ICLR, 2024.",
    "aae": "H. Chefer, Y. Alaluf, Y. Vinker, L. Wolf, and D. Cohen-Or. Attend-and-Excite: Attention-based "
    "semantic guidance for text-to-image diffusion models. ACM TOG, 2023.",
    "mvtec": "P. Bergmann, M. Fauser, D. Sattlegger, and C. Steger. MVTec AD: A comprehensive real-world "
    "dataset for unsupervised anomaly detection. In CVPR, 2019.",
    "btad": "P. Mishra, R. Verk, D. Fornasier, C. Piciarelli, and G. L. Foresti. VT-ADL: A vision "
    "transformer network for image anomaly detection and localization. In ISIE, 2021.",
    "patchcore": "K. Roth, L. Pemula, J. Zepeda, B. Scholkopf, T. Brox, and P. Gehler. Towards total recall "
    "in industrial anomaly detection. In CVPR, 2022.",
    "dps": "H. Chung, J. Kim, M. T. Mccann, M. L. Klasky, and J. C. Ye. Diffusion posterior sampling for "
    "general noisy inverse problems. In ICLR, 2023.",
    "diffae": "K. Preechakul, N. Chatthee, S. Wizadwongsa, and S. Suwajanakorn. Diffusion autoencoders: "
    "Toward a meaningful and decodable representation. In CVPR, 2022.",
    "causalvae": "M. Yang, F. Liu, Z. Chen, X. Shen, J. Hao, and J. Wang. CausalVAE: Disentangled "
    "representation learning via neural structural causal models. In CVPR, 2021.",
    "pearl": "J. Pearl. Causality: Models, Reasoning, and Inference. Cambridge University Press, 2009.",
    "repaint": "A. Lugmayr, M. Danelljan, A. Romero, F. Yu, R. Timofte, and L. Van Gool. RePaint: "
    "Inpainting using denoising diffusion probabilistic models. In CVPR, 2022.",
    "sdxl": "D. Podell, Z. English, K. Lacey, et al. SDXL: Improving latent diffusion models for "
    "high-resolution image synthesis. In ICLR, 2024.",
    "layoutgpt": "W. Feng, W. Zhu, T.-J. Fu, et al. LayoutGPT: Compositional visual planning and "
    "generation with large language models. In NeurIPS, 2023.",
    "minidalle3": "Z. Lai, X. Zhu, J. Dai, Y. Qiao, and W. Wang. Mini-DALLE3: Interactive text to image "
    "by prompting large language models. arXiv:2310.07653, 2023.",
    "ip2p": "T. Brooks, A. Holynski, and A. A. Efros. InstructPix2Pix: Learning to follow image editing "
    "instructions. In CVPR, 2023.",
}

# Plot colours close to the usual matplotlib cycle.
BLUE, ORANGE, GREEN, RED, PURPLE, GREY = (
    (0.12, 0.47, 0.71),
    (1.0, 0.5, 0.05),
    (0.17, 0.63, 0.17),
    (0.84, 0.15, 0.16),
    (0.58, 0.4, 0.74),
    (0.5, 0.5, 0.5),
)

PAPERS = [
    Paper(
        arxiv_id="2404.19382",
        title="Probing Unlearned Diffusion Models: A Transferable Adversarial Attack Perspective",
        authors=["Xiaoxuan Han", "Songlin Yang", "Wei Wang", "Yang Li", "Jing Dong"],
        comment=None,
        published="2024-04-30T09:14:54Z",
        categories=["cs.CV", "cs.LG"],
        short="our attack",
        running_title="Probing Unlearned Diffusion Models",
        columns=1,
        affiliations=[
            "School of Artificial Intelligence, University of Chinese Academy of Sciences",
            "Institute of Automation, Chinese Academy of Sciences",
        ],
        author_marks=[(1, 2), (1, 2), (2,), (2,), (2,)],
        links=["https://github.com/hxxdtd/PUND"],
        motivation=(
            "Concept erasure is attractive because it is cheap: a model owner fine-tunes a released "
            "checkpoint once and ships it, instead of filtering every prompt at inference time [@esd, @sld]. "
            "Whether the erased concept is really gone, however, is rarely measured beyond the prompts that "
            "were used during erasure. An auditor who wants to probe an unlearned model usually has neither "
            "its weights nor knowledge of the unlearning method that produced it."
        ),
        contributions=[
            "We formulate the probing of unlearned diffusion models as a transferable adversarial attack "
            "under a black-box setting, where neither the unlearning method nor the unlearned model is "
            "available for optimization.",
            "We propose an adversarial search strategy that alternates erasing and searching on the "
            "original Stable Diffusion model, which serves as the surrogate model.",
            "We show that the searched embedding restores erased concepts across several state-of-the-art "
            "unlearning methods, for broad objects as well as narrow concepts such as celebrity identity.",
        ],
        related=[
            "Concept erasure. Early safety mechanisms filter prompts or guide sampling away from unsafe "
            "content [@sld]. Fine-tuning based unlearning edits the weights of the denoiser so that a target "
            "concept is no longer produced from its prompt [@esd]. These methods are evaluated almost "
            "exclusively with the prompts they were trained to suppress.",
            "Adversarial attacks and embeddings. Adversarial examples [@madry] are known to transfer between "
            "models that share training data. In the text-to-image setting, textual inversion [@ti] learns a "
            "new token embedding that reproduces a visual concept, which we repurpose as the search space of "
            "our attack on latent diffusion models [@ldm].",
        ],
        method=[
            "Let c denote the target concept and e an embedding in the text-encoder input space. The "
            "surrogate model is the original Stable Diffusion model [@ldm]. At every round we erase c from "
            "a copy of the surrogate, and then search for the embedding e that makes the erased copy "
            "generate c again, minimising the standard denoising loss [@ddpm] on images of the concept.",
            "Because the erasure step is repeated with fresh noise and a changing erased copy, the search "
            "cannot overfit to the quirks of one unlearned model. The embedding that survives many rounds "
            "encodes the concept through the visual content that unlearning leaves intact, which is what "
            "makes it transfer to unlearned models it has never seen.",
        ],
        experiments=[
            "Setup. We attack models unlearned by several state-of-the-art erasure methods, covering three "
            "levels of concepts: objects, artistic styles and celebrity identities. Following common "
            "practice, we measure the fraction of generations in which a pretrained classifier or face "
            "recogniser detects the erased concept, and compare against prompt-level attacks that operate in "
            "the discrete token space.",
            "Results. Table 1 contrasts the attack settings and Figure 2 summarises the results. The searched "
            "embedding restores the erased "
            "concept on every unlearned model we tried, and the gap to prompt-level attacks is largest for "
            "narrow concepts such as identities, where discrete prompts have little room to manoeuvre.",
        ],
        limitation=(
            "Our attack still needs a handful of images of the target concept, and it probes unlearning "
            "rather than repairing it; designing unlearning methods that remove the visual content itself "
            "is left to future work."
        ),
        references=["ddpm", "ldm", "esd", "sld", "ti", "madry", "clip"],
        figures=[
            {
                "kind": "raster_grid",
                "seed": 19382,
                "rows": 2,
                "cols": 6,
                "max_height": 150,
                "caption": "Figure 1: Images generated by unlearned models (top) and by the same models "
                "conditioned on our searched adversarial embedding (bottom). The erased concept re-appears "
                "although the unlearned model was never accessed during the search.",
            },
            {
                "kind": "panels",
                "height": 150,
                "caption": "Figure 2: (a) Concept restoration rate as the adversarial search proceeds, for three "
                "unlearned models. (b) Restoration rate per concept level, compared with a prompt-level attack.",
            },
        ],
        table={
            "caption": "Table 1: Settings of attacks on unlearned diffusion models.",
            "header": ["Attack", "Model access", "Transferable", "Narrow concepts"],
            "rows": [
                ["Prompt-level search", "black-box", "yes", "no"],
                ["Embedding optimisation", "white-box", "no", "yes"],
                ["Ours", "black-box", "yes", "yes"],
            ],
        },
    ),
    Paper(
        arxiv_id="2404.18919",
        title="TheaterGen: Character Management with LLM for Consistent Multi-turn Image Generation",
        authors=[
            "Junhao Cheng",
            "Baiqiao Yin",
            "Kaixin Cai",
            "Minbin Huang",
            "Hanhui Li",
            "Yuxin He",
            "Xi Lu",
            "Yue Li",
            "Yifei Li",
            "Yuhao Cheng",
            "Yiqiang Yan",
            "Xiaodan Liang",
        ],
        comment=None,
        published="2024-04-29T17:58:14Z",
        categories=["cs.CV", "cs.AI"],
        short="TheaterGen",
        running_title="TheaterGen: Character Management with LLM",
        columns=2,
        affiliations=["Sun Yat-sen University", "Lenovo Research"],
        author_marks=[(1,)] * 9 + [(2,), (2,), (1,)],
        links=["https://github.com/donahowe/Theatergen"],
        motivation=(
            "Users rarely get the image they want in one shot. They refine it over several turns, add a "
            "character, move another one, or continue a story. Each turn must respect the new instruction "
            "while keeping every character that was already introduced recognisable, which single-turn "
            "text-to-image models [@ldm, @sdxl] were never designed to do."
        ),
        contributions=[
            "TheaterGen, a training-free framework in which an LLM acts as a screenwriter that maintains a "
            "standardized prompt book of characters, prompts and layouts across turns.",
            "A rehearsal stage that generates character images and extracts guidance, and a final "
            "performance stage that injects both into the reverse denoising process.",
            "CMIGBench, a benchmark with 8000 multi-turn instructions covering story generation and "
            "multi-turn editing, in which characters are not defined in advance.",
        ],
        related=[
            "Layout-guided generation. LLMs can plan layouts for text-to-image models [@layoutgpt], and "
            "attention-based guidance improves the binding of objects to their attributes [@aae]. Spatial "
            "conditions such as edges or poses can be injected with ControlNet [@controlnet].",
            "Multi-turn generation and editing. Instruction-based editing [@ip2p] changes one image at a "
            "time, and Mini DALLE 3 [@minidalle3] prompts an LLM to drive a text-to-image model through a "
            "conversation. Neither keeps an explicit record of the characters, so identities drift as the "
            "conversation grows.",
        ],
        method=[
            "Prompt book. After every user turn, the screenwriter LLM [@gpt4] updates a structured prompt "
            "book: one entry per character with its prompt, its bounding box in the target image and an "
            "identifier that persists across turns, plus a background prompt.",
            "Rehearsal and final performance. Each character entry is rendered alone to obtain a character "
            "image, from which we extract line guidance and latent guidance. During the final performance "
            "the prompt book and both kinds of guidance steer the reverse denoising process [@ddim] so that "
            "each character appears in its box and keeps its appearance from earlier turns.",
        ],
        experiments=[
            "Benchmark. CMIGBench contains 8000 multi-turn instructions. Characters are introduced by the "
            "instructions themselves rather than fixed beforehand, and both story generation and multi-turn "
            "editing are evaluated. We report average character-character similarity, which measures "
            "whether a character stays consistent across turns, and average text-image similarity computed "
            "with CLIP [@clip].",
            "Results. TheaterGen raises the performance bar of the cutting-edge Mini DALLE 3 model by 21% "
            "in average character-character similarity and by 19% in average text-image similarity. "
            "Figure 2 shows that the advantage grows with the number of turns, as baselines gradually lose "
            "track of earlier characters.",
        ],
        limitation=(
            "TheaterGen inherits the biases of the underlying LLM and diffusion model, and the rehearsal "
            "stage adds inference time proportional to the number of characters."
        ),
        references=["ldm", "sdxl", "layoutgpt", "aae", "controlnet", "ip2p", "minidalle3", "gpt4", "ddim", "clip"],
        figures=[
            {
                "kind": "diagram",
                "height": 120,
                "boxes": ["User turn", "Screenwriter (LLM)", "Prompt book", "Rehearsal", "Final Performance"],
                "caption": "Figure 1: Overview of TheaterGen. An LLM screenwriter maintains the prompt book; "
                "character images from the rehearsal guide the final denoising.",
            },
            {
                "kind": "line",
                "height": 130,
                "xlabel": "Turn",
                "ylabel": "Char.-char. similarity",
                "series": [
                    ("TheaterGen", BLUE, 0.78, -0.01),
                    ("Mini DALLE 3", ORANGE, 0.70, -0.035),
                    ("SDXL", GREEN, 0.62, -0.04),
                ],
                "legend": "lower left",
                "caption": "Figure 2: Average character-character similarity as the number of turns grows on "
                "CMIGBench.",
            },
            {
                "kind": "raster_grid",
                "seed": 18919,
                "rows": 1,
                "cols": 4,
                "max_height": 70,
                "caption": "Figure 3: A four-turn story generated by TheaterGen; characters keep their "
                "appearance across turns.",
            },
        ],
        table={
            "caption": "Table 1: Capabilities of multi-turn generation methods.",
            "header": ["Method", "Training-free", "Multi-turn", "Char. memory"],
            "rows": [
                ["InstructPix2Pix", "no", "yes", "no"],
                ["Mini DALLE 3", "yes", "yes", "no"],
                ["TheaterGen", "yes", "yes", "yes"],
            ],
        },
    ),
    Paper(
        arxiv_id="2404.18620",
        title="FlexiFilm: Long Video Generation with Flexible Conditions",
        authors=["Yichen Ouyang", "jianhao Yuan", "Hao Zhao", "Gaoang Wang", "Bo zhao"],
        comment="9 pages, 9 figures",
        published="2024-04-29T12:08:31Z",
        categories=["cs.CV"],
        short="FlexiFilm",
        running_title="FlexiFilm: Long Video Generation",
        columns=2,
        affiliations=["Zhejiang University"],
        author_marks=[(1,)] * 5,
        links=["https://y-ichen.github.io/FlexiFilm-Page/"],
        motivation=(
            "Video diffusion models [@vdm, @svd] typically generate a few seconds of footage. Longer videos "
            "are obtained by generating clips one after another, each conditioned on the last frames of the "
            "previous clip. Small inconsistencies then accumulate over time, and the brightness of the "
            "frames tends to drift upwards until the video is washed out."
        ),
        contributions=[
            "FlexiFilm, a diffusion model tailored for long video generation with flexible multi-modal conditions.",
            "A temporal conditioner that ties each generated clip to its conditions more consistently than "
            "the image-style conditioning of existing models.",
            "A resampling strategy that prevents the overexposure that accumulates in long videos.",
        ],
        related=[
            "Video diffusion. Video diffusion models [@vdm] extend image denoisers with temporal layers, and "
            "latent video models [@svd] scale this recipe to large datasets. Most are derived from image "
            "models [@ldm] and inherit their conditioning mechanism.",
            "Long video generation. Autoregressive extension conditions each clip on previous frames, which "
            "is simple but prone to drift. Sampling strategies designed for images [@ddim, @cfg] do not "
            "account for this accumulation.",
            "Conditioning on multiple modalities. ControlNet [@controlnet] adds spatial control to image "
            "diffusion models, and classifier-free guidance [@cfg] trades diversity for fidelity. In long "
            "videos the guidance scale also shifts brightness and saturation from clip to clip, which "
            "motivates our resampling strategy.",
        ],
        method=[
            "Temporal conditioner. Instead of injecting the condition frames only through the first "
            "latent, the temporal conditioner encodes the conditioning frames and text jointly and attends "
            "to them from every frame of the generated clip, so that generation and multi-modal conditions "
            "keep a consistent relationship.",
            "Resampling. Overexposure appears when the statistics of the conditioning latents drift from "
            "those seen in training. Our resampling strategy re-noises and re-denoises the affected steps, "
            "pulling the latents back towards the training distribution.",
            "Flexible conditions. Text, images and previous frames are all optional inputs of the temporal "
            "conditioner. A missing modality is replaced by a learned null embedding, the mechanism used by "
            "classifier-free guidance [@cfg], so that one model serves text-to-video, image-to-video and "
            "video extension. At inference time, the conditions of each clip can be changed, which lets a "
            "user steer the story of a long video while keeping its appearance consistent.",
        ],
        experiments=[
            "Setup. We generate videos of over 30 seconds in length from text and image conditions and "
            "compare with autoregressive extensions of open video diffusion models [@svd]. We evaluate "
            "temporal consistency between neighbouring clips and the mean brightness over time.",
            "Results. FlexiFilm keeps both measures stable over the full length of the video, while the "
            "baselines drift after a few clips (Figure 2). Qualitatively, the baselines become overexposed "
            "while FlexiFilm preserves colours and content.",
        ],
        limitation=(
            "Generating a 30-second video still takes minutes on a single GPU, and very fast motion remains "
            "challenging."
        ),
        references=["vdm", "svd", "ldm", "ddim", "cfg", "controlnet"],
        figures=[
            {
                "kind": "raster_strip",
                "seed": 18620,
                "frames": 6,
                "cols": 3,
                "caption": "Figure 1: Frames sampled every five seconds from a 30-second video generated by FlexiFilm.",
            },
            {
                "kind": "line",
                "height": 125,
                "xlabel": "Time (s)",
                "ylabel": "Mean brightness",
                "series": [("FlexiFilm", BLUE, 0.45, 0.002), ("Baseline", RED, 0.45, 0.03)],
                "caption": "Figure 2: Mean frame brightness over a 30-second video. Without resampling, the "
                "baseline drifts towards overexposure.",
            },
            {
                "kind": "raster_strip",
                "seed": 18620,
                "frames": 6,
                "cols": 3,
                "overexpose": True,
                "caption": "Figure 3: The same video extended autoregressively by the baseline. Frames become "
                "overexposed after a few clips.",
            },
            {
                "kind": "bars",
                "height": 120,
                "ylabel": "Preferred (%)",
                "groups": ["Consistency", "Quality", "Text align."],
                "series": [("FlexiFilm", BLUE, [71, 64, 58]), ("Baseline", RED, [29, 36, 42])],
                "caption": "Figure 4: User study comparing FlexiFilm with the autoregressive baseline on "
                "videos of over 30 seconds.",
            },
        ],
    ),
    Paper(
        arxiv_id="2404.18598",
        title="Anywhere: A Multi-Agent Framework for Reliable and Diverse Foreground-Conditioned Image Inpainting",
        authors=[
            "Tianyidan Xie",
            "Rui Ma",
            "Qian Wang",
            "Xiaoqian Ye",
            "Feixuan Liu",
            "Ying Tai",
            "Zhenyu Zhang",
            "Zili Yi",
        ],
        comment="16 pages, 9 figures, project page: https://anywheremultiagent.github.io",
        published="2024-04-29T11:13:37Z",
        categories=["cs.CV", "cs.AI"],
        short="Anywhere",
        running_title="Anywhere: Foreground-Conditioned Image Inpainting",
        columns=1,
        affiliations=["Nanjing University"],
        author_marks=[(1,)] * 8,
        links=["https://anywheremultiagent.github.io"],
        motivation=(
            "Foreground-conditioned inpainting starts from an object, for instance a product photo, and "
            "asks for a plausible scene around it. End-to-end inpainting models [@repaint, @ldm] tend to "
            "extend the object itself beyond its boundary, place it in a scene that contradicts it, or "
            "produce nearly the same background for every sample."
        ),
        contributions=[
            "Anywhere, a multi-agent framework that combines a VLM, an LLM and image generation models for "
            "foreground-conditioned inpainting.",
            "A prompt generation module, an image generation module and an outcome analyzer that triggers "
            "regeneration when the result is implausible.",
            "Experiments showing fewer cases of over-imagination, better foreground-background consistency "
            "and more diverse results.",
        ],
        related=[
            "Diffusion-based inpainting. RePaint [@repaint] conditions an unconditional diffusion model on "
            "the known region at every step, and latent diffusion models [@ldm] can be fine-tuned for "
            "masked inputs. Both treat the foreground as pixels rather than as an object with a meaning.",
            "Agents for image generation. LLMs can plan prompts and layouts [@layoutgpt], and vision-language "
            "models [@llava] can judge images. Anywhere combines both roles in a closed loop around a "
            "controllable generator [@controlnet].",
        ],
        method=[
            "Prompt generation. A VLM describes the foreground object, and an LLM turns the description into "
            "several candidate scene prompts, ranked by how well they suit the object.",
            "Image generation and analysis. A text-guided canny-to-image model [@controlnet] generates a "
            "template from the edge map of the foreground and the chosen prompt; the refiner blends the "
            "original foreground into the template. The outcome analyzer scores content rationality, "
            "aesthetics and foreground-background relevance, and sends the sample back when a score is too "
            "low.",
        ],
        experiments=[
            "Setup. We collect foreground objects from several categories, including products, animals and "
            "vehicles, and compare Anywhere with end-to-end inpainting baselines. We report user preference, "
            "the rate of over-imagination and the diversity of backgrounds for the same object.",
            "Results. Anywhere reduces over-imagination, resolves foreground-background discrepancies and "
            "yields visibly more diverse scenes (Figure 1). Table 1 lists the agents used in each module.",
        ],
        limitation=(
            "The closed loop makes inference slower than a single forward pass, and its quality is bounded by "
            "the judgement of the VLM used as analyzer."
        ),
        references=["repaint", "ldm", "controlnet", "layoutgpt", "llava", "gpt4", "sdxl"],
        figures=[
            {
                "kind": "raster_grid",
                "seed": 18598,
                "rows": 2,
                "cols": 5,
                "max_height": 150,
                "caption": "Figure 1: Foreground-conditioned inpainting results of Anywhere. Each row keeps the "
                "same foreground object and varies the generated scene.",
            },
            {
                "kind": "diagram",
                "height": 72,
                "boxes": ["Foreground", "Prompt generation", "Image generation", "Outcome analyzer", "Result"],
                "caption": "Figure 2: The Anywhere pipeline. The outcome analyzer triggers prompt or image "
                "regeneration when needed.",
            },
            {
                "kind": "bars",
                "height": 130,
                "ylabel": "Preferred (%)",
                "groups": ["Reliability", "FG-BG consistency", "Diversity"],
                "series": [("Anywhere", BLUE, [68, 72, 75]), ("End-to-end inpainting", ORANGE, [32, 28, 25])],
                "caption": "Figure 3: User preference between Anywhere and an end-to-end inpainting baseline.",
            },
        ],
        table={
            "caption": "Table 1: Agents used by each module of Anywhere.",
            "header": ["Module", "Agents", "Output"],
            "rows": [
                ["Prompt generation", "VLM, LLM", "language prompts"],
                ["Image generation", "canny-to-image, refiner", "inpainted image"],
                ["Outcome analyzer", "VLM", "scores, regeneration"],
            ],
        },
    ),
    Paper(
        arxiv_id="2404.18065",
        title="Grounded Compositional and Diverse Text-to-3D with Pretrained Multi-View Diffusion Model",
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
        comment="9 pages, 10 figures",
        published="2024-04-28T04:05:10Z",
        categories=["cs.CV", "cs.AI"],
        short="Grounded-Dreamer",
        running_title="Grounded Compositional and Diverse Text-to-3D",
        columns=2,
        affiliations=["Amazon"],
        author_marks=[(1,)] * 10,
        links=[],
        motivation=(
            "Text-to-3D methods distil a 2D or multi-view diffusion model into a 3D representation with "
            "score distillation sampling [@dreamfusion, @mvdream]. Prompts that name several subjects, such "
            "as an astronaut riding a horse next to a cactus, are the ones users care about and the ones on "
            "which current methods most often fail."
        ),
        contributions=[
            "Grounded-Dreamer, a two-stage text-to-3D approach that uses text-guided 4-view images as the "
            "bottleneck of the pipeline.",
            "An attention refocusing mechanism that encourages text-aligned 4-view generation without "
            "re-training the multi-view diffusion model.",
            "A hybrid optimization strategy that combines the SDS loss with sparse RGB reference images.",
        ],
        related=[
            "Text-to-3D. DreamFusion [@dreamfusion] introduced score distillation sampling from a 2D "
            "diffusion model. MVDream [@mvdream] fine-tunes a diffusion model to produce four consistent "
            "views, which reduces multi-face artefacts.",
            "Compositional generation. Attend-and-Excite [@aae] strengthens the cross-attention of neglected "
            "tokens, and layout planning with LLMs [@layoutgpt] grounds subjects in space. We bring this kind "
            "of attention control to multi-view diffusion.",
        ],
        method=[
            "Stage one generates four views of the scene from the multi-view diffusion model while "
            "refocusing the cross-attention of each subject token onto its region, so that no subject of "
            "the prompt is omitted.",
            "Stage two optimises a 3D representation with a hybrid objective: the SDS loss keeps the asset "
            "plausible from every viewpoint, and a reconstruction loss on the sparse RGB references keeps it "
            "faithful to the grounded 4-view images.",
        ],
        experiments=[
            "Setup. We evaluate on compositional prompts with two to four subjects and compare with SDS-based "
            "methods built on 2D and multi-view diffusion models [@dreamfusion, @mvdream]. We report "
            "CLIP-based text alignment [@clip] and a user study on quality and accuracy.",
            "Results. Grounded-Dreamer generates every subject of the prompt more often than the baselines "
            "(Figure 2) and produces diverse assets from the same text prompt (Figure 1).",
        ],
        limitation=(
            "Scenes with many small subjects remain difficult, because the four views are generated at low resolution."
        ),
        references=["dreamfusion", "mvdream", "aae", "layoutgpt", "ldm", "clip"],
        figures=[
            {
                "kind": "raster_grid",
                "seed": 18065,
                "rows": 2,
                "cols": 4,
                "max_height": 115,
                "caption": "Figure 1: Four views of compositional 3D assets generated by Grounded-Dreamer from "
                "the same prompt with different seeds.",
            },
            {
                "kind": "bars",
                "height": 120,
                "ylabel": "Subjects generated (%)",
                "groups": ["2 subj.", "3 subj.", "4 subj."],
                "series": [
                    ("Ours", BLUE, [96, 91, 84]),
                    ("MVDream", ORANGE, [78, 60, 41]),
                    ("DreamFusion", GREEN, [70, 52, 33]),
                ],
                "caption": "Figure 2: Fraction of prompt subjects present in the generated assets, by number of "
                "subjects in the prompt.",
            },
            {
                "kind": "diagram",
                "height": 110,
                "boxes": ["Text prompt", "Attention refocusing", "4-view images", "Hybrid optimization", "3D asset"],
                "caption": "Figure 3: The two stages of Grounded-Dreamer: text-aligned 4-view generation, then "
                "3D optimization with SDS and sparse RGB references.",
            },
            {
                "kind": "line",
                "height": 120,
                "xlabel": "Optimization steps (x1000)",
                "ylabel": "CLIP score",
                "series": [("Ours", BLUE, 0.24, 0.006), ("MVDream", ORANGE, 0.23, 0.003)],
                "caption": "Figure 4: Text alignment during optimization of compositional prompts.",
            },
        ],
    ),
    Paper(
        arxiv_id="2404.17900",
        title="Unsupervised Anomaly Detection via Masked Diffusion Posterior Sampling",
        authors=["Di Wu", "Shicai Fan", "Xue Zhou", "Li Yu", "Yuzhong Deng", "Jianxiao Zou", "Baihong Lin"],
        comment=None,
        published="2024-04-27T13:13:27Z",
        categories=["cs.CV"],
        short="MDPS",
        running_title="Masked Diffusion Posterior Sampling",
        columns=2,
        affiliations=["University of Electronic Science and Technology of China"],
        author_marks=[(1,)] * 7,
        links=[],
        motivation=(
            "Industrial inspection has plenty of images of good parts and very few of defective ones. "
            "Unsupervised anomaly detection therefore learns only from normal images [@mvtec], and flags "
            "what a model of normality cannot explain. Feature-based methods such as PatchCore [@patchcore] "
            "are accurate but give little insight into why a region is anomalous."
        ),
        contributions=[
            "MDPS, which casts normal image reconstruction as diffusion posterior sampling under a masked "
            "noisy observation model and a diffusion-based normal image prior.",
            "A difference metric combining pixel-level and perceptual-level perspectives.",
            "State-of-the-art reconstruction quality, detection and localization on MVTec and BTAD.",
        ],
        related=[
            "Reconstruction-based detection. Autoencoders and GANs reconstruct a normal version of the input "
            "and compare it with the test image; blurry reconstructions cause false positives. Diffusion "
            "models [@ddpm] reconstruct sharper images but without a principled link to the test image.",
            "Diffusion posterior sampling. DPS [@dps] solves noisy inverse problems by guiding the reverse "
            "process with the gradient of a likelihood. We adopt this view with an observation model that "
            "masks out the regions that may contain anomalies.",
        ],
        method=[
            "Observation model. We observe the test image through random masks with additive noise, so that "
            "an anomaly hidden by the mask does not constrain the posterior. Sampling from the posterior with "
            "a diffusion prior trained on normal images yields normal reconstructions consistent with the "
            "visible regions.",
            "Scoring. For each posterior sample we compute a difference map that combines pixel-level "
            "distance and perceptual distance. The anomaly map averages the difference maps over multiple "
            "posterior samples, which suppresses the randomness of any single sample.",
        ],
        experiments=[
            "Datasets. MVTec AD [@mvtec] contains 15 categories of textures and objects, and BTAD [@btad] "
            "contains three industrial products; Table 1 lists both. We report image-level and pixel-level "
            "AUROC for detection and localization.",
            "Results. MDPS achieves state-of-the-art performance in normal image reconstruction quality as "
            "well as anomaly detection and localization. Figure 1 shows that its reconstructions remove the "
            "defect while keeping the texture of the part, and Figure 2 shows how the score improves with "
            "more posterior samples.",
        ],
        limitation=(
            "Posterior sampling requires many denoising steps per sample, so MDPS is slower than feature-based "
            "detectors."
        ),
        references=["mvtec", "btad", "patchcore", "ddpm", "dps", "ddim"],
        figures=[
            {
                "kind": "raster_anomaly",
                "seed": 17900,
                "caption": "Figure 1: Test image, MDPS reconstruction, and the averaged difference map used as "
                "anomaly map.",
            },
            {
                "kind": "line",
                "height": 120,
                "xlabel": "Posterior samples",
                "ylabel": "Pixel AUROC",
                "series": [("MDPS", BLUE, 0.93, 0.004), ("Single metric", ORANGE, 0.90, 0.004)],
                "caption": "Figure 2: Localization performance as more posterior samples are averaged.",
            },
            {
                "kind": "raster_grid",
                "seed": 17901,
                "rows": 2,
                "cols": 4,
                "max_height": 115,
                "caption": "Figure 3: Normal posterior samples drawn by MDPS for one test image; their "
                "difference maps are averaged into the anomaly score.",
            },
            {
                "kind": "bars",
                "height": 120,
                "ylabel": "Image AUROC (%)",
                "groups": ["Textures", "Objects", "BTAD"],
                "series": [("MDPS", BLUE, [99, 98, 95]), ("PatchCore", ORANGE, [98, 99, 93])],
                "caption": "Figure 4: Detection performance by dataset group.",
            },
        ],
        table={
            "caption": "Table 1: Datasets used in our experiments.",
            "header": ["Dataset", "Categories", "Content"],
            "rows": [["MVTec AD", "15", "textures and objects"], ["BTAD", "3", "industrial products"]],
        },
    ),
    Paper(
        arxiv_id="2404.17735",
        title="Causal Diffusion Autoencoders: Toward Counterfactual Generation via Diffusion Probabilistic Models",
        authors=["Aneesh Komanduri", "Chen Zhao", "Feng Chen", "Xintao Wu"],
        comment=None,
        published="2024-04-26T23:42:02Z",
        categories=["cs.CV", "cs.LG", "cs.AI"],
        short="CausalDiffAE",
        running_title="Causal Diffusion Autoencoders",
        columns=1,
        affiliations=["University of Arkansas", "Baylor University", "University of Texas at Dallas"],
        author_marks=[(1,), (2,), (3,), (1,)],
        links=[],
        motivation=(
            "A counterfactual question asks what an image would have looked like had one of its causes been "
            "different, for instance a pendulum at another angle with its shadow moving accordingly. "
            "Answering it requires a model whose latent variables are causally related factors and whose "
            "decoder is good enough to show the answer [@pearl]."
        ),
        contributions=[
            "CausalDiffAE, a diffusion-based causal representation learning framework for counterfactual "
            "generation according to a specified causal model.",
            "A causal encoding mechanism and a variational objective that disentangle causal variables using "
            "auxiliary labels.",
            "A DDIM-based counterfactual generation procedure under do-interventions, and a weakly "
            "supervised extension for partially labelled data.",
        ],
        related=[
            "Causal representation learning. CausalVAE [@causalvae] learns latent factors related by a "
            "structural causal model [@pearl] inside a variational autoencoder, whose reconstructions are "
            "blurry.",
            "Diffusion autoencoders. Diffusion autoencoders [@diffae] pair a semantic encoder with a "
            "conditional DDIM decoder [@ddim], giving a meaningful and decodable representation but no "
            "causal structure among its dimensions.",
        ],
        method=[
            "Causal encoding. The encoder maps an image to exogenous noise terms, which neural causal "
            "mechanisms transform into endogenous causal variables following the given causal graph. The "
            "decoder is a conditional diffusion model [@ddpm] that models the remaining stochastic "
            "variation.",
            "Counterfactual generation. To generate a counterfactual under do(z_i = a), we encode the image, "
            "replace z_i by a, recompute its descendants with the learned mechanisms, and decode with the "
            "deterministic DDIM sampler [@ddim] from the inverted noise of the original image.",
        ],
        experiments=[
            "Setup. We evaluate on image datasets with known causal structure, including a pendulum dataset "
            "with angle, light position, shadow length and shadow position. We measure disentanglement of "
            "the learned causal variables and the effectiveness of counterfactual interventions.",
            "Results. CausalDiffAE learns a disentangled latent space and generates high-quality "
            "counterfactual images (Figure 1). With only part of the training data labelled, the weakly "
            "supervised extension still controls the strength of interventions (Figure 2).",
        ],
        limitation="CausalDiffAE assumes the causal graph is known; learning it jointly is future work.",
        references=["ddpm", "ddim", "diffae", "causalvae", "pearl", "cfg"],
        figures=[
            {
                "kind": "raster_pendulum",
                "seed": 17735,
                "caption": "Figure 1: Counterfactual generation on the pendulum dataset. (a) Intervening on the "
                "pendulum angle. (b) Intervening on the light position; the shadow follows both interventions.",
            },
            {
                "kind": "line",
                "height": 140,
                "xlabel": "Guidance strength",
                "ylabel": "Intervention effect",
                "series": [("Labelled 100%", BLUE, 0.2, 0.07), ("Labelled 10%", ORANGE, 0.15, 0.055)],
                "caption": "Figure 2: Strength of a do-intervention on the generated counterfactual as the "
                "guidance strength grows.",
            },
        ],
    ),
]

CONCLUSION_LEAD = {
    "2404.19382": "We probed the robustness of unlearned diffusion models with a transferable adversarial "
    "attack under a black-box setting.",
    "2404.18919": "We presented TheaterGen, a training-free framework for consistent multi-turn image "
    "generation, and the CMIGBench benchmark.",
    "2404.18620": "We presented FlexiFilm, a diffusion model tailored for long video generation.",
    "2404.18598": "We presented Anywhere, a multi-agent framework for foreground-conditioned image inpainting.",
    "2404.18065": "We presented Grounded-Dreamer, a two-stage approach for compositional text-to-3D generation.",
    "2404.17900": "We presented MDPS, a highly-interpretable reconstruction-based method for unsupervised "
    "anomaly detection.",
    "2404.17735": "We presented CausalDiffAE, a diffusion-based causal representation learning framework "
    "for counterfactual generation.",
}

_PROPOSAL = re.compile(r"\b(we|this paper|this work|in response)\b", re.IGNORECASE)
_RESULT = re.compile(r"experiment|empirical|outperform", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", text) if not s.startswith("Project page:")]


def abstract_parts(abstract: str) -> dict[str, list[str]]:
    """Split an abstract into background, proposal, method and result sentences."""
    sents = split_sentences(abstract)
    start = next(i for i, s in enumerate(sents) if _PROPOSAL.search(s))
    results = next(i for i in range(start + 1, len(sents)) if _RESULT.search(sents[i]))
    return {
        "background": sents[:start],
        "proposal": sents[start : start + 2],
        "method": sents[start + 2 : results],
        "results": sents[results:],
    }


def cite(text: str, keys: list[str]) -> str:
    """Turn [@ddpm, @ldm] into [1, 2] by the paper's reference order."""

    def number(match: re.Match) -> str:
        return "[" + ", ".join(str(keys.index(k.strip().lstrip("@")) + 1) for k in match.group(1).split(",")) + "]"

    return re.sub(r"\[(@[^\]]+)\]", number, text)


# --- Layout -----------------------------------------------------------------

PAGE_W, PAGE_H = 612, 792
BLACK = (0, 0, 0)
LINK_COLOUR = (0.55, 0.0, 0.55)
SERIF, SERIF_BOLD, SERIF_ITALIC, SANS = "tiro", "tibo", "tiit", "helv"


@dataclass
class Word:
    text: str
    font: str = SERIF
    size: float = 10
    colour: tuple = BLACK
    uri: str | None = None
    rise: float = 0.0
    glue: bool = False  # no space before this word

    @property
    def width(self) -> float:
        return text_width(self.text, self.font, self.size)


_WIDTHS: dict[tuple[str, str, float], float] = {}


def text_width(text: str, font: str, size: float) -> float:
    key = (text, font, size)
    if key not in _WIDTHS:
        _WIDTHS[key] = pymupdf.get_text_length(text, fontname=font, fontsize=size)
    return _WIDTHS[key]


def words_of(text: str, *, font: str = SERIF, size: float = 10, lead: str = "") -> list[Word]:
    """Split prose into words; URLs become coloured link words, a run-in lead is bold."""
    words = [Word(w, SERIF_BOLD, size) for w in lead.split()]
    for token in text.split():
        match = re.match(r"(https?://\S+?)([.,;)]*)$", token)
        if match:
            words.append(Word(match.group(1), font, size, LINK_COLOUR, uri=match.group(1)))
            if match.group(2):
                words.append(Word(match.group(2), font, size, glue=True))
        else:
            words.append(Word(token, font, size))
    return words


def line_width(words: list[Word]) -> float:
    total = 0.0
    for i, w in enumerate(words):
        if i and not w.glue:
            total += text_width(" ", words[i - 1].font, words[i - 1].size)
        total += w.width
    return total


def wrap(words: list[Word], width: float, first_width: float | None = None) -> list[list[Word]]:
    lines: list[list[Word]] = [[]]
    limit = first_width if first_width is not None else width
    for w in words:
        candidate = lines[-1] + [w]
        if lines[-1] and not w.glue and line_width(candidate) > limit:
            lines.append([w])
            limit = width
        else:
            lines[-1] = candidate
    return lines


def draw_words(page: pymupdf.Page, words: list[Word], x: float, baseline: float) -> None:
    """Draw one line, one text run per change of font, colour or link."""
    run: list[Word] = []

    def flush(cx: float) -> float:
        if not run:
            return cx
        text = " ".join(w.text for w in run)
        head = run[0]
        page.insert_text((cx, baseline - head.rise), text, fontname=head.font, fontsize=head.size, color=head.colour)
        width = text_width(text, head.font, head.size)
        if head.uri:
            rect = pymupdf.Rect(cx, baseline - head.size * 0.85, cx + width, baseline + head.size * 0.25)
            page.insert_link({"kind": pymupdf.LINK_URI, "from": rect, "uri": head.uri})
        run.clear()
        return cx + width

    cx = x
    for i, w in enumerate(words):
        same = (
            run
            and (w.font, w.size, w.colour, w.uri, w.rise)
            == (run[0].font, run[0].size, run[0].colour, run[0].uri, run[0].rise)
            and not w.glue
            and not w.uri
        )
        if same:
            run.append(w)
            continue
        cx = flush(cx)
        if i and not w.glue:
            cx += text_width(" ", words[i - 1].font, words[i - 1].size)
        run.append(w)
    flush(cx)


class Layout:
    """Flow text, headings, figures and tables into one or two columns of pages."""

    top, bottom = 66.0, PAGE_H - 62.0

    def __init__(self, doc: pymupdf.Document, *, columns: int):
        self.doc = doc
        self.columns = columns
        if columns == 1:
            self.left, self.gutter, self.col_w = 90.0, 0.0, 432.0
            self.size = 10.0
        else:
            # CVPR-like: 3.25in columns, 0.3125in gutter.
            self.left, self.gutter = 58.5, 22.5
            self.col_w = (PAGE_W - 2 * self.left - self.gutter) / 2
            self.size = 10.0
        self.full_w = PAGE_W - 2 * self.left
        self.leading = self.size * 1.24
        self.pending: list[tuple[float, Callable[[pymupdf.Page, float, float], None]]] = []
        self.page: pymupdf.Page
        self.new_page()

    @property
    def x(self) -> float:
        return self.left + self.col * (self.col_w + self.gutter)

    def new_page(self) -> None:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.col = 0
        self.col_top = self.y = self.top
        self.place_pending()

    def next_column(self) -> None:
        if self.col + 1 < self.columns:
            self.col += 1
            self.y = self.col_top
            self.place_pending()
        else:
            self.new_page()

    def place_pending(self) -> None:
        waiting, self.pending = self.pending, []
        for height, draw in waiting:
            if not self.pending and self.y + height <= self.bottom:
                draw(self.page, self.x, self.y)
                self.y += height
            else:
                self.pending.append((height, draw))

    def float_block(self, height: float, draw: Callable[[pymupdf.Page, float, float], None]) -> None:
        """Place a figure or table here if it fits, else at the top of the next column, like LaTeX."""
        assert height <= self.bottom - self.top, "float taller than a column"
        if not self.pending and self.y + height <= self.bottom:
            draw(self.page, self.x, self.y)
            self.y += height
        else:
            self.pending.append((height, draw))

    def finish(self) -> None:
        while self.pending:
            self.next_column()

    def space(self, points: float) -> None:
        if self.y > self.col_top:
            self.y += points

    def lines(
        self,
        lines: list[list[Word]],
        *,
        leading: float,
        indent: float = 0.0,
        first_indent: float = 0.0,
        align: str = "left",
        width: float | None = None,
    ) -> None:
        for n, line in enumerate(lines):
            if self.y + leading > self.bottom:
                self.next_column()
            offset = indent + (first_indent if n == 0 else 0.0)
            if align == "center":
                offset = ((width or self.col_w) - line_width(line)) / 2
            draw_words(self.page, line, self.x + offset, self.y + leading * 0.78)
            self.y += leading

    def paragraph(
        self,
        text: str,
        *,
        lead: str = "",
        font: str = SERIF,
        size: float | None = None,
        indent: float = 0.0,
        hanging: str = "",
        first_indent: float = 0.0,
        after: float = 3.0,
    ) -> None:
        size = size or self.size
        words = words_of(text, font=font, size=size, lead=lead)
        if hanging:
            words = [Word(hanging, font, size)] + words
        width = self.col_w - 2 * indent
        hang = text_width(hanging + " ", font, size) if hanging else 0.0
        wrapped = wrap(words, width - hang, first_width=width - first_indent)
        self.lines(wrapped, leading=size * 1.24, indent=indent + hang, first_indent=first_indent - hang)
        self.space(after)

    def heading(self, text: str, *, size: float | None = None, center: bool = False) -> None:
        size = size or self.size + 2
        self.space(size * 0.8)
        if self.y + size * 1.3 + 3 * self.leading > self.bottom:  # keep with the next lines
            self.next_column()
        words = [Word(text, SERIF_BOLD, size)]
        self.lines([words], leading=size * 1.3, align="center" if center else "left")
        self.y += 2

    def centered_full(self, lines: list[list[Word]], leading: float) -> None:
        """Title-block lines across the whole text width, before the columns start."""
        for line in lines:
            x = self.left + (self.full_w - line_width(line)) / 2
            draw_words(self.page, line, x, self.y + leading * 0.78)
            self.y += leading

    def start_columns(self) -> None:
        self.col_top = self.y


def caption_lines(text: str, width: float, size: float = 9.0) -> list[list[Word]]:
    return wrap(words_of(text, size=size), width)


def figure_block(layout: Layout, spec: dict, paper: Paper) -> None:
    width = layout.col_w
    cap = caption_lines(spec["caption"], width)
    art_h = raster_height(spec, width) if spec["kind"] in RASTERS else spec["height"]
    total = art_h + 6 + len(cap) * 11 + 12

    def draw(page: pymupdf.Page, x: float, y: float) -> None:
        PAINTERS[spec["kind"]](page, pymupdf.Rect(x, y, x + width, y + art_h), spec)
        cy = y + art_h + 6
        for line in cap:
            draw_words(page, line, x + max(0.0, (width - line_width(line)) / 2) if len(cap) == 1 else x, cy + 8)
            cy += 11

    layout.float_block(total, draw)


def table_block(layout: Layout, spec: dict) -> None:
    width = layout.col_w
    cap = caption_lines(spec["caption"], width)
    size = 8.5 if layout.columns == 2 else 9.0
    rows = [spec["header"]] + spec["rows"]
    col_w = [
        max(text_width(r[i], SERIF_BOLD if j == 0 else SERIF, size) for j, r in enumerate(rows)) + 14
        for i in range(len(spec["header"]))
    ]
    scale = min(1.0, width / sum(col_w))
    col_w = [w * scale for w in col_w]
    row_h = size * 1.45
    total = len(cap) * 11 + 4 + row_h * len(rows) + 6 + 12

    def draw(page: pymupdf.Page, x: float, y: float) -> None:
        cy = y
        for line in cap:
            draw_words(page, line, x + max(0.0, (width - line_width(line)) / 2) if len(cap) == 1 else x, cy + 8)
            cy += 11
        cy += 4
        tx = x + (width - sum(col_w)) / 2
        tw = sum(col_w)
        page.draw_line((tx, cy), (tx + tw, cy), width=0.8)
        for j, row in enumerate(rows):
            cx = tx
            for i, cell in enumerate(row):
                font = SERIF_BOLD if j == 0 else SERIF
                cw = text_width(cell, font, size)
                pos = cx + 7 if i == 0 else cx + (col_w[i] - cw) / 2
                page.insert_text((pos, cy + row_h * 0.72), cell, fontname=font, fontsize=size)
                cx += col_w[i]
            cy += row_h
            if j == 0:
                page.draw_line((tx, cy), (tx + tw, cy), width=0.4)
        page.draw_line((tx, cy + 1), (tx + tw, cy + 1), width=0.8)

    layout.float_block(total, draw)


# --- Vector figures ---------------------------------------------------------


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    step = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(step))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step), default=step)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while not ticks or ticks[-1] < hi - step * 1e-6:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.2f}"


def _axes(
    page: pymupdf.Page,
    rect: pymupdf.Rect,
    xs: list[float],
    ys: list[float],
    xlabel: str,
    ylabel: str,
    *,
    x_ticks: bool = True,
) -> Callable[[float, float], pymupdf.Point]:
    """Draw a frame, grid and tick labels; return the data-to-page mapping."""
    plot = pymupdf.Rect(rect.x0 + 30, rect.y0 + 4, rect.x1 - 6, rect.y1 - 22)
    xt, yt = _nice_ticks(min(xs), max(xs)), _nice_ticks(min(ys), max(ys))
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]

    def to_page(x: float, y: float) -> pymupdf.Point:
        return pymupdf.Point(plot.x0 + (x - x0) / (x1 - x0) * plot.width, plot.y1 - (y - y0) / (y1 - y0) * plot.height)

    shape = page.new_shape()
    for t in yt:
        p = to_page(x0, t)
        shape.draw_line((plot.x0, p.y), (plot.x1, p.y))
    shape.finish(color=(0.85, 0.85, 0.85), width=0.4)
    shape.draw_rect(plot)
    shape.finish(color=BLACK, width=0.6)
    for t in xt if x_ticks else []:
        p = to_page(t, y0)
        shape.draw_line((p.x, plot.y1), (p.x, plot.y1 + 2.5))
        label = _fmt(t)
        shape.insert_text((p.x - text_width(label, SANS, 6) / 2, plot.y1 + 9), label, fontname=SANS, fontsize=6)
    for t in yt:
        p = to_page(x0, t)
        shape.draw_line((plot.x0 - 2.5, p.y), (plot.x0, p.y))
        label = _fmt(t)
        shape.insert_text((plot.x0 - 4 - text_width(label, SANS, 6), p.y + 2), label, fontname=SANS, fontsize=6)
    shape.finish(color=BLACK, width=0.5)
    shape.insert_text(
        ((plot.x0 + plot.x1 - text_width(xlabel, SANS, 7)) / 2, rect.y1 - 3), xlabel, fontname=SANS, fontsize=7
    )
    mid_y = (plot.y0 + plot.y1 + text_width(ylabel, SANS, 7)) / 2
    shape.insert_text((rect.x0 + 7, mid_y), ylabel, fontname=SANS, fontsize=7, rotate=90)
    shape.commit()
    return to_page


def _legend(page: pymupdf.Page, at: pymupdf.Point, entries: list[tuple[str, tuple]]) -> None:
    shape = page.new_shape()
    width = max(text_width(label, SANS, 6) for label, _ in entries) + 22
    box = pymupdf.Rect(at.x, at.y, at.x + width, at.y + 9 * len(entries) + 4)
    shape.draw_rect(box)
    shape.finish(color=(0.7, 0.7, 0.7), fill=(1, 1, 1), width=0.4)
    for i, (label, colour) in enumerate(entries):
        y = at.y + 7 + 9 * i
        shape.draw_line((at.x + 3, y - 2), (at.x + 15, y - 2))
        shape.finish(color=colour, width=1.4)
        shape.insert_text((at.x + 18, y), label, fontname=SANS, fontsize=6)
    shape.commit()


def paint_line(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    xs = list(range(0, 11))
    if spec["xlabel"].startswith("Time"):
        xs = list(range(0, 31, 3))
    rng = random.Random(spec["caption"])
    series = []
    for label, colour, start, slope in spec["series"]:
        ys = [start + slope * x * (10 / xs[-1]) + rng.uniform(-0.006, 0.006) for x in xs]
        series.append((label, colour, ys))
    all_y = [y for _, _, ys in series for y in ys]
    to_page = _axes(page, rect, xs, all_y, spec["xlabel"], spec["ylabel"])
    shape = page.new_shape()
    for _, colour, ys in series:
        shape.draw_polyline([to_page(x, y) for x, y in zip(xs, ys)])
        shape.finish(color=colour, width=1.2, closePath=False)
        for x, y in zip(xs, ys):
            shape.draw_circle(to_page(x, y), 1.4)
        shape.finish(color=colour, fill=colour, width=0.3)
    shape.commit()
    entries = [(s[0], s[1]) for s in series]
    corner = pymupdf.Point(rect.x0 + 36, rect.y0 + 8)
    if spec.get("legend") == "lower left":
        corner = pymupdf.Point(rect.x0 + 36, rect.y1 - 30 - 9 * len(entries))
    _legend(page, corner, entries)


def paint_bars(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    groups, series = spec["groups"], spec["series"]
    top = max(max(values) for _, _, values in series)
    top = 100 if "%" in spec["ylabel"] and top <= 100 else top * 1.1
    plot = pymupdf.Rect(rect.x0, rect.y0 + 12, rect.x1, rect.y1)
    to_page = _axes(page, plot, [0, len(groups)], [0, top], "", spec["ylabel"], x_ticks=False)
    shape = page.new_shape()
    bar = 0.8 / len(series)
    for s, (_, colour, values) in enumerate(series):
        for g, value in enumerate(values):
            left = g + 0.1 + s * bar
            shape.draw_rect(pymupdf.Rect(to_page(left, value), to_page(left + bar * 0.9, 0)))
            shape.finish(color=None, fill=colour)
    for g, name in enumerate(groups):
        p = to_page(g + 0.5, 0)
        shape.insert_text((p.x - text_width(name, SANS, 6.5) / 2, rect.y1 - 3), name, fontname=SANS, fontsize=6.5)
    # Legend in one row above the plot, so that it never hides a bar.
    x = rect.x0 + 30
    for label, colour, _ in series:
        shape.draw_rect(pymupdf.Rect(x, rect.y0 + 3, x + 7, rect.y0 + 10))
        shape.finish(color=None, fill=colour)
        shape.insert_text((x + 10, rect.y0 + 9.5), label, fontname=SANS, fontsize=6.5)
        x += 10 + text_width(label, SANS, 6.5) + 12
    shape.commit()


def paint_diagram(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    boxes = spec["boxes"]
    per_row = len(boxes) if rect.width > 360 else 3
    rows = math.ceil(len(boxes) / per_row)
    gap_x, gap_y = 18.0, 16.0
    bw = (rect.width - 8 - gap_x * (per_row - 1)) / per_row
    bh = (rect.height - 8 - gap_y * (rows - 1)) / rows
    fills = [(0.87, 0.92, 0.98), (0.99, 0.91, 0.82), (0.88, 0.95, 0.87), (0.95, 0.89, 0.96), (0.93, 0.93, 0.93)]
    centres = []
    shape = page.new_shape()
    for i, label in enumerate(boxes):
        row, pos = divmod(i, per_row)
        if row % 2:  # snake so that consecutive boxes stay adjacent
            pos = per_row - 1 - pos
        x0 = rect.x0 + 4 + pos * (bw + gap_x)
        y0 = rect.y0 + 4 + row * (bh + gap_y)
        box = pymupdf.Rect(x0, y0, x0 + bw, y0 + bh)
        shape.draw_rect(box, radius=0.12)
        shape.finish(color=(0.3, 0.3, 0.3), fill=fills[i % len(fills)], width=0.7)
        lines = wrap([Word(w, SANS, 7.5) for w in label.split()], bw - 6)
        ty = box.y0 + (bh - len(lines) * 9) / 2 + 7
        for line in lines:
            text = " ".join(w.text for w in line)
            shape.insert_text((box.x0 + (bw - text_width(text, SANS, 7.5)) / 2, ty), text, fontname=SANS, fontsize=7.5)
            ty += 9
        centres.append(box)
    for a, b in zip(centres, centres[1:]):
        if abs(a.y0 - b.y0) < 1:
            start, end = (
                (pymupdf.Point(a.x1, a.y0 + bh / 2), pymupdf.Point(b.x0, b.y0 + bh / 2))
                if a.x0 < b.x0
                else (pymupdf.Point(a.x0, a.y0 + bh / 2), pymupdf.Point(b.x1, b.y0 + bh / 2))
            )
        else:
            start, end = pymupdf.Point((a.x0 + a.x1) / 2, a.y1), pymupdf.Point((b.x0 + b.x1) / 2, b.y0)
        _arrow(shape, start, end)
    if len(centres) >= 4:
        # The feedback loop of the last stage back to an earlier one, drawn as a curve.
        a, b = centres[-2], centres[1]
        p1, p4 = pymupdf.Point((a.x0 + a.x1) / 2, a.y1), pymupdf.Point((b.x0 + b.x1) / 2, b.y1)
        if rows == 1:
            shape.draw_bezier(p1, p1 + (0, 14), p4 + (0, 14), p4 + (0, 2))
            shape.finish(color=(0.7, 0.2, 0.2), width=0.8, dashes="[2 1] 0", closePath=False)
    shape.commit()


def _arrow(shape: pymupdf.Shape, start: pymupdf.Point, end: pymupdf.Point) -> None:
    shape.draw_line(start, end)
    shape.finish(color=(0.2, 0.2, 0.2), width=0.8)
    direction = (end - start) / abs(end - start)
    normal = pymupdf.Point(-direction.y, direction.x)
    shape.draw_polyline([end, end - direction * 5 + normal * 2.5, end - direction * 5 - normal * 2.5, end])
    shape.finish(color=(0.2, 0.2, 0.2), fill=(0.2, 0.2, 0.2), closePath=True)


def paint_panels(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    """Two side-by-side plots with (a)/(b) sub-captions."""
    half = (rect.width - 20) / 2
    left = pymupdf.Rect(rect.x0, rect.y0, rect.x0 + half, rect.y1 - 14)
    right = pymupdf.Rect(rect.x1 - half, rect.y0, rect.x1, rect.y1 - 14)
    paint_line(
        page,
        left,
        {
            "xlabel": "Search iterations (x100)",
            "ylabel": "Restoration rate",
            "caption": spec["caption"] + "a",
            "series": [("ESD", BLUE, 0.1, 0.07), ("FMN", ORANGE, 0.15, 0.06), ("UCE", GREEN, 0.08, 0.05)],
        },
    )
    paint_bars(
        page,
        right,
        {
            "groups": ["Object", "Style", "Identity"],
            "ylabel": "Restoration rate (%)",
            "series": [("Ours", BLUE, [72, 70, 58]), ("Prompt", ORANGE, [39, 41, 13])],
        },
    )
    for panel, label in ((left, "(a) Restoration during search"), (right, "(b) Concept levels")):
        page.insert_text(
            ((panel.x0 + panel.x1 - text_width(label, SERIF, 8.5)) / 2, rect.y1 - 2),
            label,
            fontname=SERIF,
            fontsize=8.5,
        )


# --- Raster figures ---------------------------------------------------------


def _scene(rng: random.Random, size: int, *, shift: float = 0.0, bright: float = 1.0) -> Image.Image:
    sky = [rng.randint(90, 230) for _ in range(3)]
    ground = [rng.randint(40, 160) for _ in range(3)]
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    horizon = int(size * rng.uniform(0.5, 0.7))
    for y in range(size):
        t = y / size
        base = sky if y < horizon else ground
        colour = tuple(min(255, int(c * (1.15 - 0.4 * t) * bright)) for c in base)
        draw.line([(0, y), (size, y)], fill=colour)
    for _ in range(rng.randint(2, 4)):
        cx = (rng.uniform(0.15, 0.85) + shift) % 1.0 * size
        cy = rng.uniform(0.35, 0.8) * size
        r = rng.uniform(0.08, 0.22) * size
        fill = tuple(min(255, int(rng.randint(20, 250) * bright)) for _ in range(3))
        draw.ellipse([cx - r, cy - r * 0.8, cx + r, cy + r * 0.8], fill=fill)
    return img.filter(ImageFilter.GaussianBlur(1.6))


def _jpeg(img: Image.Image, quality: int = 70) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _png(img: Image.Image, colours: int = 32) -> bytes:
    buf = io.BytesIO()
    img.quantize(colors=colours, dither=Image.Dither.NONE).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _grid(tiles: list[Image.Image], cols: int, gap: int = 4) -> Image.Image:
    size = tiles[0].width
    rows = math.ceil(len(tiles) / cols)
    canvas = Image.new("RGB", (cols * size + (cols - 1) * gap, rows * size + (rows - 1) * gap), "white")
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        canvas.paste(tile, (c * (size + gap), r * (size + gap)))
    return canvas


def raster_grid(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    rng = random.Random(spec["seed"])
    tiles = [_scene(rng, 96) for _ in range(spec["rows"] * spec["cols"])]
    grid = _grid(tiles, spec["cols"])
    return [(_jpeg(grid), grid, "")]


def raster_strip(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    def brightness(i: int) -> float:
        return 1.0 + (0.22 * i if spec.get("overexpose") else 0.0)

    tiles = [
        _scene(random.Random(spec["seed"]), 96, shift=i * 0.08, bright=brightness(i)) for i in range(spec["frames"])
    ]
    strip = _grid(tiles, spec.get("cols", spec["frames"]), gap=2)
    return [(_jpeg(strip), strip, "")]


def raster_anomaly(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    rng = random.Random(spec["seed"])
    size = 112
    fabric = Image.new("L", (size, size))
    fabric.putdata(
        [
            int(120 + 40 * math.sin(x * 0.9) * math.sin(y * 0.9) + rng.uniform(-12, 12))
            for y in range(size)
            for x in range(size)
        ]
    )
    normal = Image.merge("RGB", (fabric, fabric.point(lambda v: int(v * 0.85)), fabric.point(lambda v: int(v * 0.6))))
    defect = normal.copy()
    ImageDraw.Draw(defect).line([(30, 40), (62, 70), (70, 66)], fill=(40, 30, 25), width=4)
    heat = Image.new("RGB", (size, size))
    heat.putdata([_jet(math.exp(-(((x - 52) ** 2 + (y - 58) ** 2) / 260.0))) for y in range(size) for x in range(size)])
    grid = _grid([defect, normal.filter(ImageFilter.GaussianBlur(0.6)), heat], 3)
    return [(_png(grid, colours=48), grid, "")]


def _jet(v: float) -> tuple[int, int, int]:
    r = min(1.0, max(0.0, 1.5 - abs(4 * v - 3)))
    g = min(1.0, max(0.0, 1.5 - abs(4 * v - 2)))
    b = min(1.0, max(0.0, 1.5 - abs(4 * v - 1)))
    return int(r * 255), int(g * 255), int(b * 255)


def _pendulum(angle: float, light: float, size: int = 80) -> Image.Image:
    img = Image.new("RGB", (size, size), (236, 236, 228))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, size * 0.82, size, size], fill=(170, 160, 140))
    lx = size * light
    draw.ellipse([lx - 5, 3, lx + 5, 13], fill=(250, 200, 40))
    pivot = (size / 2, size * 0.18)
    bob = (pivot[0] + math.sin(angle) * size * 0.38, pivot[1] + math.cos(angle) * size * 0.38)
    draw.line([pivot, bob], fill=(60, 60, 60), width=2)
    draw.ellipse([bob[0] - 6, bob[1] - 6, bob[0] + 6, bob[1] + 6], fill=(200, 60, 50))
    shadow_x = bob[0] + (bob[0] - lx) * 0.4
    draw.ellipse([shadow_x - 10, size * 0.84, shadow_x + 10, size * 0.9], fill=(90, 85, 75))
    return img


def raster_pendulum(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    """Two panels: (a) varies the pendulum angle, (b) the light position."""
    panels = []
    for tiles, label in (
        ([_pendulum(a, 0.3) for a in (-0.6, -0.2, 0.2, 0.6)], "(a) do(angle)"),
        ([_pendulum(0.3, x) for x in (0.15, 0.4, 0.6, 0.85)], "(b) do(light position)"),
    ):
        grid = _grid(tiles, 2, gap=3)
        panels.append((_png(grid, colours=24), grid, label))
    return panels


RASTERS: dict[str, Callable[[dict], list[tuple[bytes, Image.Image, str]]]] = {
    "raster_grid": raster_grid,
    "raster_strip": raster_strip,
    "raster_anomaly": raster_anomaly,
    "raster_pendulum": raster_pendulum,
}
PANEL_GAP, PANEL_LABEL = 16.0, 14.0


def raster_height(spec: dict, width: float) -> float:
    """Height of a raster figure drawn ``width`` wide: the images keep their aspect ratio."""
    panels = RASTERS[spec["kind"]](spec)
    panel_w = (width - PANEL_GAP * (len(panels) - 1)) / len(panels)
    image_h = max(panel_w * img.height / img.width for _, img, _ in panels)
    image_h = min(image_h, spec.get("max_height", 10_000))
    return image_h + (PANEL_LABEL if any(label for _, _, label in panels) else 0.0)


def paint_raster(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    panels = RASTERS[spec["kind"]](spec)
    labelled = any(label for _, _, label in panels)
    image_h = rect.height - (PANEL_LABEL if labelled else 0.0)
    panel_w = (rect.width - PANEL_GAP * (len(panels) - 1)) / len(panels)
    for i, (data, img, label) in enumerate(panels):
        w = min(panel_w, image_h * img.width / img.height)
        x0 = rect.x0 + i * (panel_w + PANEL_GAP) + (panel_w - w) / 2
        page.insert_image(pymupdf.Rect(x0, rect.y0, x0 + w, rect.y0 + w * img.height / img.width), stream=data)
        if label:
            page.insert_text(
                (x0 + (w - text_width(label, SERIF, 8.5)) / 2, rect.y1 - 3), label, fontname=SERIF, fontsize=8.5
            )


PAINTERS: dict[str, Callable[[pymupdf.Page, pymupdf.Rect, dict], None]] = {
    "line": paint_line,
    "bars": paint_bars,
    "diagram": paint_diagram,
    "panels": paint_panels,
    **{kind: paint_raster for kind in RASTERS},
}


# --- Papers -----------------------------------------------------------------


def _stamp_date(published: str) -> str:
    when = datetime.strptime(published, "%Y-%m-%dT%H:%M:%SZ")
    return f"{when.day} {when.strftime('%b %Y')}"


def _link_sentence(url: str) -> str:
    return f"Code is available at {url}." if "github.com" in url else f"Project page: {url}."


def title_block(layout: Layout, paper: Paper) -> None:
    title_size = 15.0 if layout.columns == 1 else 14.0
    title = wrap([Word(w, SERIF_BOLD, title_size) for w in paper.title.split()], layout.full_w - 40)
    layout.y = 78.0
    layout.centered_full(title, title_size * 1.25)
    layout.y += 10
    authors = []
    for name, marks in zip(paper.authors, paper.author_marks):
        authors.append(Word(name, SERIF, 10.5))
        authors.append(Word(",".join(map(str, marks)), SERIF, 6.5, rise=4.0, glue=True))
        authors.append(Word(",", SERIF, 10.5, glue=True))
    authors.pop()
    layout.centered_full(wrap(authors, layout.full_w - 20), 14)
    layout.y += 4
    for n, affiliation in enumerate(paper.affiliations, start=1):
        line = [Word(str(n), SERIF, 6.0, rise=3.5), Word(affiliation, SERIF, 9.5, glue=True)]
        layout.centered_full([line], 12)
    layout.y += 16
    layout.start_columns()


def abstract_block(layout: Layout, paper: Paper) -> None:
    if layout.columns == 1:
        layout.heading("Abstract", size=12, center=True)
        layout.paragraph(paper.abstract, indent=30, after=4)
        for url in paper.links:
            if url not in paper.abstract:
                layout.paragraph(_link_sentence(url), indent=30, after=4)
    else:
        layout.heading("Abstract", size=11, center=True)
        layout.paragraph(paper.abstract, font=SERIF_ITALIC, after=4)
        for url in paper.links:
            if url not in paper.abstract:
                layout.paragraph(_link_sentence(url), font=SERIF_ITALIC, after=4)


DIFFUSION_REFS = ("ddpm", "ldm", "vdm", "svd", "repaint", "ddim", "sdxl", "mvdream")


def implementation(paper: Paper) -> str:
    sampler = " [@ddim]" if "ddim" in paper.references else ""
    guidance = " and classifier-free guidance [@cfg]" if "cfg" in paper.references else ""
    return (
        f"We build {paper.short} on publicly released pretrained checkpoints and keep their default noise "
        f"schedules. Unless stated otherwise, we sample with the deterministic DDIM sampler{sampler} with 50 "
        f"steps{guidance}. All hyper-parameters are shared across experiments, and every number we report is "
        "averaged over three random seeds."
    )


ABLATED = {
    "2404.19382": ("the repeated erasure of the surrogate model", "the search in the embedding space"),
    "2404.18919": ("the prompt book", "the guidance extracted during the rehearsal"),
    "2404.18620": ("the temporal conditioner", "the resampling strategy"),
    "2404.18598": ("the outcome analyzer", "the prompts recommended by the LLM"),
    "2404.18065": ("attention refocusing", "the hybrid optimization strategy"),
    "2404.17900": ("the masked observation model", "the perceptual-level term of the difference metric"),
    "2404.17735": ("the variational disentanglement objective", "the learned causal mechanisms"),
}


def ablation(paper: Paper) -> str:
    first, second = ABLATED[paper.arxiv_id]
    return (
        f"We remove the components of {paper.short} one at a time and keep everything else fixed. Without "
        f"{first}, the results degrade on every measure we report; without {second}, the largest drop "
        "appears on the hardest cases described in Section 1. Removing both is worse than removing either, "
        "which confirms that the two components are complementary rather than redundant."
    )


def run_in(layout: Layout, text: str) -> None:
    """Set a short first sentence ("Scoring.") as a bold run-in heading, as papers do."""
    lead, _, rest = text.partition(". ")
    if rest and len(lead.split()) <= 4:
        layout.paragraph(rest, lead=lead + ".")
    else:
        layout.paragraph(text)


def body(layout: Layout, paper: Paper) -> None:
    parts = abstract_parts(paper.abstract)
    keys = paper.references
    figures = list(paper.figures)
    c = lambda text: cite(text, keys)  # noqa: E731
    indent = 12.0

    layout.heading("1 Introduction")
    if parts["background"]:
        backbones = [k for k in keys if k in DIFFUSION_REFS][:2]
        backbone = c(f"Diffusion models [@{', @'.join(backbones)}] are the backbone of these systems.")
        layout.paragraph(" ".join(parts["background"]) + " " + backbone)
    layout.paragraph(c(paper.motivation), first_indent=indent)
    figure_block(layout, figures.pop(0), paper)
    layout.paragraph(" ".join(parts["proposal"]) + " Figure 1 gives an overview.", first_indent=indent)
    layout.paragraph("Our main contributions are summarised as follows:", first_indent=indent, after=1)
    for n, item in enumerate(paper.contributions, start=1):
        layout.paragraph(item, hanging=f"({n})", indent=6, after=1)
    for url in paper.links:
        layout.paragraph(_link_sentence(url), after=3)

    layout.heading("2 Related Work")
    for text in paper.related:
        lead, rest = text.split(". ", 1)
        layout.paragraph(c(rest), lead=lead + ".")

    layout.heading("3 Method")
    layout.heading("3.1 Overview", size=layout.size + 0.5)
    if parts["method"]:
        layout.paragraph(" ".join(parts["method"]))
    run_in(layout, c(paper.method[0]))
    layout.heading("3.2 Details", size=layout.size + 0.5)
    for text in paper.method[1:]:
        run_in(layout, c(text))
    layout.paragraph(c(implementation(paper)), lead="Implementation details.")

    layout.heading("4 Experiments")
    setup, results = paper.experiments
    lead, rest = setup.split(". ", 1)
    layout.paragraph(c(rest), lead=lead + ".")
    if paper.table:
        table_block(layout, paper.table)
    while figures:
        figure_block(layout, figures.pop(0), paper)
    lead, rest = results.split(". ", 1)
    layout.paragraph(c(rest), lead=lead + ".")
    layout.paragraph(" ".join(parts["results"]), first_indent=indent)
    layout.paragraph(ablation(paper), lead="Ablation study.")

    layout.heading("5 Conclusion")
    layout.paragraph(CONCLUSION_LEAD[paper.arxiv_id] + " " + " ".join(parts["results"][:1]) + " " + paper.limitation)

    layout.heading("References")
    for n, key in enumerate(keys, start=1):
        layout.paragraph(REFS[key], hanging=f"[{n}]", size=8.5, after=1.5)
    layout.finish()


def decorate(doc: pymupdf.Document, paper: Paper, layout: Layout) -> None:
    """Running header, page numbers, the first-page footer and arXiv's side stamp."""
    right = PAGE_W - layout.left
    for number, page in enumerate(doc, start=1):
        if number > 1:
            head = paper.running_title
            page.insert_text(
                ((PAGE_W - text_width(head, SERIF_ITALIC, 8.5)) / 2, 44),
                head,
                fontname=SERIF_ITALIC,
                fontsize=8.5,
                color=(0.25, 0.25, 0.25),
            )
            page.draw_line((layout.left, 50), (right, 50), color=(0.4, 0.4, 0.4), width=0.4)
        label = str(number)
        page.insert_text(((PAGE_W - text_width(label, SERIF, 9)) / 2, PAGE_H - 34), label, fontname=SERIF, fontsize=9)
    first = doc[0]
    note = "Preprint. Under review."
    first.insert_text((layout.left, PAGE_H - 48), note, fontname=SERIF, fontsize=8.5)
    stamp = f"arXiv:{paper.arxiv_id}v1  [{paper.categories[0]}]  {_stamp_date(paper.published)}"
    first.insert_text((34, 560), stamp, fontname=SERIF, fontsize=20, rotate=90, color=(0.55, 0.55, 0.55))


def paper_pdf(paper: Paper) -> bytes:
    """Return the generated stand-in PDF of one paper."""
    doc = pymupdf.open()
    layout = Layout(doc, columns=paper.columns)
    title_block(layout, paper)
    abstract_block(layout, paper)
    body(layout, paper)
    decorate(doc, paper, layout)
    doc.set_metadata(
        {
            "title": paper.title,
            "author": ", ".join(paper.authors),
            "subject": f"arXiv:{paper.arxiv_id}v1 (generated sample stand-in)",
            "creator": "paperdigest scripts/make_sample.py",
            "producer": "PyMuPDF",
            "creationDate": PDF_DATE,
            "modDate": PDF_DATE,
        }
    )
    data = doc.tobytes(garbage=4, deflate=True, deflate_images=True, no_new_id=True)
    pages = doc.page_count
    doc.close()
    if not 3 <= pages <= 5:
        raise SystemExit(f"{paper.arxiv_id}: {pages} pages; the sample needs 3-5")
    return data


# --- Atom feed --------------------------------------------------------------

OS_NS = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
ATOM_SCHEME = "http://arxiv.org/schemas/atom"
ARXIV_NS = f'xmlns:arxiv="{ATOM_SCHEME}"'


def feed_xml(papers: list[Paper]) -> bytes:
    """Return the arXiv API answer for the sample day, in arXiv's own layout."""
    args = f"search_query={SEARCH_QUERY}&id_list=&start=0&max_results=100"
    feed_id = base64.b64encode(hashlib.sha1(args.encode()).digest()).decode().rstrip("=")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f'  <link href="http://arxiv.org/api/query?{quote(args, safe="")}" rel="self" type="application/atom+xml"/>',
        f'  <title type="html">ArXiv Query: {escape(args)}</title>',
        f"  <id>http://arxiv.org/api/{feed_id}</id>",
        f"  <updated>{FEED_UPDATED}</updated>",
        f"  <opensearch:totalResults {OS_NS}>{len(papers)}</opensearch:totalResults>",
        f"  <opensearch:startIndex {OS_NS}>0</opensearch:startIndex>",
        f"  <opensearch:itemsPerPage {OS_NS}>100</opensearch:itemsPerPage>",
    ]
    for paper in papers:
        vid = f"{paper.arxiv_id}v1"
        out += [
            "  <entry>",
            f"    <id>http://arxiv.org/abs/{vid}</id>",
            f"    <updated>{paper.published}</updated>",
            f"    <published>{paper.published}</published>",
            f"    <title>{escape(paper.title)}</title>",
            f"    <summary>{escape(paper.abstract)}</summary>",
        ]
        for name in paper.authors:
            out += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
        if paper.comment:
            out.append(f"    <arxiv:comment {ARXIV_NS}>{escape(paper.comment)}</arxiv:comment>")
        out += [
            f'    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
            f'    <link title="pdf" href="http://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"/>',
            f'    <arxiv:primary_category {ARXIV_NS} term="{paper.categories[0]}" scheme="{ATOM_SCHEME}"/>',
        ]
        out += [f'    <category term="{cat}" scheme="{ATOM_SCHEME}"/>' for cat in paper.categories]
        out.append("  </entry>")
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")


def sample_write(*, out: Path) -> list[Path]:
    """Write arxiv.xml and pdfs/<id>v1.pdf under ``out``; return the files written."""
    (out / "pdfs").mkdir(parents=True, exist_ok=True)
    written = [out / "arxiv.xml"]
    written[0].write_bytes(feed_xml(PAPERS))
    for paper in PAPERS:
        path = out / "pdfs" / f"{paper.arxiv_id}v1.pdf"
        path.write_bytes(paper_pdf(paper))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the bundled offline sample day.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    for path in sample_write(out=args.out):
        print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
