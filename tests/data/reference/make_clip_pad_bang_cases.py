#!/usr/bin/python3
"""Writes clip-tokenizer-pad-bang-cases.json: expected ids of the LAION/OpenCLIP
style CLIP tokenizer whose pad token is "!" (id 0; an added token, so every
"!" in the text is cut out before BPE), which the shared fixtures describe
(../shared/fixtures/README.md, "CLIP tokenizer", step 1 and 5) but do not ship.

The tokenizer folder is reconstructed from that description: the real
vocab.json / merges.txt of tests/data/models/clip-tiny-quickgelu plus the
tokenizer_config.json / special_tokens_map.json that transformers 4.40
CLIPTokenizer.save_pretrained writes (the `hf` layout of clip-tiny-gelu-fp16)
with pad_token "!" and "0" -> "!" in added_tokens_decoder. Both config files
are stored in the output so the C++ test recreates the same folder.

Expected ids come from the reference implementation of the fixtures spec,
../shared/reference-python/photoidx_ref.py (it reproduces every
clip-tokenizer-cases.json id of transformers 4.40.2), because transformers
itself is not installed here. Run from the repository root:
    /usr/bin/python3 tests/data/reference/make_clip_pad_bang_cases.py ../shared/reference-python
(needs python3-regex, python3-torch, python3-numpy).
"""
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "models", "clip-tiny-quickgelu")


def added(content, normalized):
    return {"content": content, "lstrip": False, "normalized": normalized,
            "rstrip": False, "single_word": False, "special": True}


TOKENIZER_CONFIG = {
    "added_tokens_decoder": {
        "0": added("!", False),
        "49406": added("<|startoftext|>", True),
        "49407": added("<|endoftext|>", True),
    },
    "bos_token": "<|startoftext|>",
    "clean_up_tokenization_spaces": True,
    "eos_token": "<|endoftext|>",
    "errors": "replace",
    "model_max_length": 77,
    "pad_token": "!",
    "tokenizer_class": "CLIPTokenizer",
    "unk_token": "<|endoftext|>",
}


def special(content, normalized):
    d = added(content, normalized)
    del d["special"]
    return d


SPECIAL_TOKENS_MAP = {
    "bos_token": special("<|startoftext|>", True),
    "eos_token": special("<|endoftext|>", True),
    "pad_token": "!",
    "unk_token": special("<|endoftext|>", True),
}

EXTRA_TEXTS = [
    "!", "hello!", "a!b", "wow!!", "dog!<|endoftext|>!", "  !  spaced  !  ",
    "\uff01 full-width bang", "!" * 100, "what?! really!?",
]


def main():
    sys.path.insert(0, sys.argv[1])
    import photoidx_ref as ref  # noqa: E402

    with open(os.path.join(HERE, "clip-tokenizer-cases.json"), encoding="utf-8") as f:
        shared = json.load(f)["cases"]
    texts = [c["text"] for c in shared if "!" in c["text"]] + EXTRA_TEXTS
    tmp = tempfile.mkdtemp()
    try:
        for name in ("vocab.json", "merges.txt"):
            shutil.copy(os.path.join(MODEL, name), tmp)
        with open(os.path.join(tmp, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(TOKENIZER_CONFIG, f, indent=2)
        with open(os.path.join(tmp, "special_tokens_map.json"), "w", encoding="utf-8") as f:
            json.dump(SPECIAL_TOKENS_MAP, f, indent=2)
        tok = ref.CLIPTokenizer(tmp)
        assert tok.pad_id == 0, tok.pad_id
        cases = []
        for t in texts:
            ids, mask = tok.batch([t], max_length=77)
            cases.append({"text": t, "ids": tok.encode(t),
                          "ids_padded_77": ids[0].tolist(),
                          "attention_mask_77": mask[0].tolist()})
    finally:
        shutil.rmtree(tmp)
    out = {
        "tokenizer": "CLIP BPE, pad_token '!' (LAION/OpenCLIP style), reconstructed folder",
        "made_by": "tests/data/reference/make_clip_pad_bang_cases.py with "
                   "../shared/reference-python/photoidx_ref.py",
        "tokenizer_config.json": TOKENIZER_CONFIG,
        "special_tokens_map.json": SPECIAL_TOKENS_MAP,
        "cases": cases,
    }
    with open(os.path.join(HERE, "clip-tokenizer-pad-bang-cases.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print("wrote %d cases" % len(cases))


if __name__ == "__main__":
    main()
