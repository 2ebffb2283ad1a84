"""Real, tiny Argos Translate packages built at test time, without the internet.

Each package holds a genuine CTranslate2 Transformer and a genuine SentencePiece model. The
Transformer's weights are set by hand so that it works as a word-for-word dictionary: its
cross-attention looks at the source token in the same position, and its output projection maps
that token to the dictionary's word (every other token is copied). So the output is predictable
(`hello` → `hola`), which lets the tests see that a package, a pivot and the glossary really ran.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np

# Words the SentencePiece model must keep whole, so that the dictionary can map them.
WORDS = ["hello", "hola", "cześć", "thanks", "gracias", "dziękuję", "meeting", "reunión", "spotkanie"]

CORPUS = [
    "hello thanks meeting",
    "hola gracias reunión",
    "cześć dziękuję spotkanie",
    "The meeting is tomorrow at 9, see you then. Thank you!",
    "La reunión es mañana a las 9, hasta entonces. ¡Gracias!",
    "Spotkanie jest jutro o 9, do zobaczenia. Dziękuję!",
    "Year 6 SENCo EHCP CBC ZXQ0QXZ ZXQ1QXZ ZXQ2QXZ ZXQ3QXZ 0123456789 ¿?¡!.,:;'\"()-",
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ áéíóúñü ąćęłńóśźż",
]

MAX_POSITIONS = 256


def train_sentencepiece(directory: Path) -> Path:
    """A unigram SentencePiece model that knows every character the tests use."""
    import sentencepiece

    lines = CORPUS + [" ".join(WORDS)] * 50
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=250,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        user_defined_symbols=["▁" + word for word in WORDS],
        minloglevel=2,
    )
    path = directory / "sentencepiece.model"
    path.write_bytes(model.getvalue())
    return path


def vocabulary(sp_path: Path) -> list[str]:
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(sp_path))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_dictionary_model(model_dir: Path, tokens: list[str], dictionary: dict[str, str]) -> None:
    """Save a CTranslate2 Transformer that translates word by word with `dictionary`."""
    from ctranslate2.specs import transformer_spec

    index = {token: i for i, token in enumerate(tokens)}
    # A permutation of the vocabulary: every dictionary pair is swapped, everything else kept.
    mapping = list(range(len(tokens)))
    for source, target in dictionary.items():
        s, t = index["▁" + source], index["▁" + target]
        mapping[s], mapping[t] = t, s

    v, p = len(tokens), MAX_POSITIONS
    tok, pos, out = 0, v, v + p  # offsets of the three blocks of the model dimension
    d = 2 * v + p
    a = b = 1.0

    def zeros(*shape):
        return np.zeros(shape, dtype=np.float32)

    # Every residual vector holds one `a` in its token block and one `b` in its position block
    # (and the decoder one fixed pattern in its output block), so layer norm is the same affine map
    # for every input: work out its scale to size the attention and the logits.
    x = zeros(d)
    x[tok], x[pos] = a, b
    scale = np.sqrt(x.var() + 1e-6)

    spec = transformer_spec.TransformerSpec.from_config((1, 1), num_heads=1)
    spec.config.add_source_eos = True
    for side in (spec.encoder, spec.decoder):
        embeddings = side.embeddings[0] if isinstance(side.embeddings, list) else side.embeddings
        weight = zeros(v, d)
        weight[np.arange(v), tok + np.arange(v)] = a
        embeddings.weight = weight
        side.scale_embeddings = False
        encodings = zeros(p, d)
        encodings[np.arange(p), pos + np.arange(p)] = b
        side.position_encodings.encodings = encodings
        side.layer_norm.gamma = np.ones(d, dtype=np.float32)
        side.layer_norm.beta = zeros(d)
        layer = side.layer[0]
        # Self-attention and feed-forward add nothing to the residual stream.
        for norm in (layer.self_attention.layer_norm, layer.ffn.layer_norm):
            norm.gamma, norm.beta = np.ones(d, dtype=np.float32), zeros(d)
        layer.self_attention.linear[0].weight = zeros(3 * d, d)
        layer.self_attention.linear[0].bias = zeros(3 * d)
        layer.self_attention.linear[1].weight = zeros(d, d)
        layer.self_attention.linear[1].bias = zeros(d)
        layer.ffn.linear_0.weight = zeros(8, d)
        layer.ffn.linear_0.bias = zeros(8)
        layer.ffn.linear_1.weight = zeros(d, 8)
        layer.ffn.linear_1.bias = zeros(d)

    # Cross-attention: the decoder's position t looks at the source position t ...
    attention = spec.decoder.layer[0].attention
    attention.layer_norm.gamma, attention.layer_norm.beta = np.ones(d, dtype=np.float32), zeros(d)
    alpha = 40.0 * np.sqrt(d) * scale**2 / (b * b)
    query = zeros(d, d)
    query[pos + np.arange(p), pos + np.arange(p)] = alpha
    key_value = zeros(2 * d, d)
    key_value[pos + np.arange(p), pos + np.arange(p)] = 1.0
    key_value[d + tok + np.arange(v), tok + np.arange(v)] = 1.0
    attention.linear[0].weight, attention.linear[0].bias = query, zeros(d)
    attention.linear[1].weight, attention.linear[1].bias = key_value, zeros(2 * d)
    # ... and writes the dictionary's word for that token into the output block,
    gamma = 4.0
    output = zeros(d, d)
    output[out + np.array(mapping), tok + np.arange(v)] = gamma
    attention.linear[2].weight, attention.linear[2].bias = output, zeros(d)
    # which the projection reads as the logits.
    projection = zeros(v, d)
    projection[np.arange(v), out + np.arange(v)] = 30.0
    spec.decoder.projection.weight, spec.decoder.projection.bias = projection, zeros(v)

    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization=None)
    model_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(model_dir))


def build_package(directory: Path, *, from_code: str, to_code: str, dictionary: dict[str, str]) -> Path:
    """Write `translate-<from>_<to>.argosmodel` into `directory` and return its path."""
    names = {"en": "English", "es": "Spanish", "pl": "Polish"}
    name = f"translate-{from_code}_{to_code}"
    root = directory / "build" / name
    (root / "model").mkdir(parents=True)
    sp_path = train_sentencepiece(root)
    build_dictionary_model(root / "model", vocabulary(sp_path), dictionary)
    metadata = {
        "package_version": "1.0",
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": names[from_code],
        "to_code": to_code,
        "to_name": names[to_code],
        "type": "translate",
    }
    (root / "metadata.json").write_text(json.dumps(metadata))
    archive = directory / f"{name}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(root.rglob("*")):
            zf.write(file, Path(name) / file.relative_to(root))
    return archive
