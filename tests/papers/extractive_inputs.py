"""A hand-written paper shaped like the PDF stage's output for a real one.

Paragraphs separated by blank lines, headings on lines of their own or glued to
the paragraph, citation brackets, figure pointers, a caption and table cells the
PDF stage let through, abbreviations pysbd trips on, a reference list. Written
for these tests (no one else's paper).
"""

TITLE = "SparseFlow: Sparse Attention for Fast Video Diffusion"

ABSTRACT = (
    "Video diffusion models produce striking clips but are slow to sample. "
    "Most of their time is spent in full spatio-temporal attention over every pair of frames. "
    "We propose SparseFlow, a training-free method that keeps only the attention blocks that matter for each denoising step. "
    "SparseFlow predicts block importance from the previous step and skips the rest. "
    "The predictor reuses attention logits that were already computed, so it needs no extra network and no training. "
    "A block-sparse kernel then reads only the kept blocks from memory, which turns the skipped attention into saved time. "
    "To bound the error of stale blocks, every block is recomputed at least once every few steps. "
    "On three open video models, SparseFlow halves sampling time while keeping the VBench quality score within one point of full attention. "
    "The saving grows with the length of the clip, because the cost of attention grows quadratically with the number of frames. "
    "SparseFlow is complementary to step distillation and to feature caching, and can be combined with both."
)

INTRODUCTION = """1 Introduction Recent video diffusion models [1, 2] generate clips of several seconds with convincing motion.

Sampling a single clip, however, still takes minutes on a modern GPU, which limits interactive use.

Therefore, reducing the cost of attention has become an important problem for practical video generation.

Existing acceleration methods either distil the model into fewer steps or cache features across steps (Ma et al., 2024).

Distillation needs a costly retraining run for every model, and caching fails when the content changes quickly between steps.

Our key observation is that attention maps change slowly between neighbouring denoising steps.

Unlike prior caching methods, SparseFlow decides per block and per step which attention to compute.

We make three contributions: a cheap importance predictor, a block-sparse attention kernel and an evaluation on three open models."""

RELATED = """2 Related Work

Efficient diffusion sampling. Fewer sampling steps can be obtained with better solvers [3] or with distillation [4].

Sparse attention. Sparse attention patterns were first studied for language models, e.g. local windows and strided patterns, and later applied to images.

In contrast to fixed patterns, our sparsity is predicted from the previous denoising step."""

METHOD = """3 Method

3.1 Overview The transformer of a video diffusion model computes attention between all space-time tokens at every step.

We split the tokens into blocks of 64 and measure, for each pair of blocks, the attention mass at the previous step.

Blocks whose mass falls below a threshold are skipped at the current step, and their output is taken from the previous step.

The threshold is set so that a fixed fraction of the attention mass is kept, as in Eq. (2) of the appendix.

Importance predictor.

The predictor reuses the attention logits that the previous step has already computed, so it adds no extra forward pass.

A block that was skipped for several steps is recomputed once, which bounds the error a stale block can add.

Block-sparse kernel.

We implement the skipped attention with a block-sparse kernel that reads only the kept blocks from memory.

Let q_t denote the query at step t; then the output o = softmax(q k) v is computed blockwise.

Figure 2: Overview of SparseFlow. Blocks in grey are skipped at the current step.

Table 1: Sampling time per clip in seconds.

Model 12.4 6.1 0.98 0.97

Implementation details. We build SparseFlow on public checkpoints, and all hyper-parameters are shared across models."""

EXPERIMENTS = """4 Experiments

Setup. We evaluate on three open video diffusion models and sample 500 prompts from the VBench suite.

We compare with step caching and with 8-step distillation, using the same GPU for every method.

Results. SparseFlow reduces sampling time from 12.4 to 6.1 seconds per clip, a 2.0x speed-up, with a VBench score of 0.97 vs. 0.98 for full attention (Fig. 3).

Step caching reaches a similar speed only at a VBench score of 0.91, since it reuses whole features when the content moves.

The speed-up grows with clip length, reaching 2.6x for clips of 16 seconds, because attention cost grows quadratically with the number of frames.

Ablation. Without the periodic recomputation, quality drops to 0.93 after 40 steps, which confirms that stale blocks accumulate error.

Keeping 90% of the attention mass is a good trade-off; keeping 80% is faster but blurs fast motion."""

CONCLUSION = """5 Conclusion

We presented SparseFlow, a training-free way to skip most of the attention in video diffusion models.

SparseFlow enables near-interactive video generation on a single GPU and could be combined with distillation in future work.

Its main limitation is that very fast camera motion changes the attention maps between steps, which lowers the share of blocks that can be skipped."""

REFERENCES = """References

[1] J. Ho, T. Salimans, A. Gritsenko, W. Chan, M. Norouzi, and D. J. Fleet. Video diffusion models. In NeurIPS, 2022.

[2] A. Blattmann, T. Dockhorn, S. Kulal, et al. Stable video diffusion: Scaling latent video diffusion models to large datasets. arXiv preprint arXiv:2311.15127, 2023."""

SECTIONS = {
    "abstract": ABSTRACT,
    "introduction": INTRODUCTION,
    "related_work": RELATED,
    "method": METHOD,
    "experiments": EXPERIMENTS,
    "conclusion": CONCLUSION,
    "references": REFERENCES,
}
