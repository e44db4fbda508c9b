"""Back to GGUF with llama.cpp's own converter, from the copy of llama.cpp's source node-llama-cpp ships as a git
bundle (the same llama.cpp version that loads the result). Cloned once into train/.llama.cpp (git-ignored)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LLAMA_CPP = ROOT / "train" / ".llama.cpp"
BUNDLE = ROOT / "node_modules" / "node-llama-cpp" / "llama" / "gitRelease.bundle"


def ensure_llama_cpp() -> Path:
    if not (LLAMA_CPP / "convert_hf_to_gguf.py").is_file():
        if not BUNDLE.is_file():
            raise SystemExit(f"llama.cpp's source is not at {BUNDLE}: run npm ci first (node-llama-cpp ships it)")
        subprocess.run(["git", "clone", "--quiet", str(BUNDLE), str(LLAMA_CPP)], check=True)
    return LLAMA_CPP


def export_gguf(checkpoint: Path, outfile: Path, outtype: str) -> Path:
    converter = ensure_llama_cpp() / "convert_hf_to_gguf.py"
    done = subprocess.run([sys.executable, str(converter), str(checkpoint), "--outtype", outtype, "--outfile", str(outfile)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"llama.cpp's convert_hf_to_gguf.py failed on {checkpoint} (exit {done.returncode})")
    return outfile
