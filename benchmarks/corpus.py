"""A deterministic corpus of mixed config and code with planted secrets and tricky negatives.

``build_corpus(root, size_mb=52)`` writes files under ``root`` and returns the ground
truth: where each planted key is (path, line) and where each planted negative is. Keys are
made from a seeded RNG, so every run plants the same (fake, never-issued) values.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Truth", "build_corpus"]

B62 = string.digits + string.ascii_uppercase + string.ascii_letters[:26]
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
WORDS = (  # noqa: SIM905 (a word list reads better as prose)
    "token secret password key api client session request response value config user data "
    "cache timeout retry handler service account region bucket queue event payload status "
    "memory context fetch create batch instance label created updated deleted result error"
).split()


@dataclass
class Truth:
    """Ground truth: 1-based (path, line) of each planted key, secret and negative."""

    synap: set[tuple[str, int]] = field(default_factory=set)
    other: set[tuple[str, int]] = field(default_factory=set)
    negatives: set[tuple[str, int]] = field(default_factory=set)
    files: int = 0
    bytes: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "synap": sorted(self.synap),
            "other": sorted(self.other),
            "negatives": sorted(self.negatives),
            "files": self.files,
            "bytes": self.bytes,
        }


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def s(self, n: int, alphabet: str = B62) -> str:
        return "".join(self.r.choices(alphabet, k=n))

    def word(self) -> str:
        return self.r.choice(WORDS)

    def ident(self) -> str:
        return "_".join(self.r.choice(WORDS) for _ in range(self.r.randint(2, 5)))

    def key(self) -> str:
        return "synap_" + self.s(58)

    def version(self) -> str:
        return f"{self.r.randint(0, 9)}.{self.r.randint(0, 20)}.{self.r.randint(0, 50)}"

    def uuid(self) -> str:
        h = self.s(32, HEX)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # -- filler lines by file type -----------------------------------------------------------

    def py(self) -> str:
        c = self.r.randrange(8)
        w, i = self.word(), self.ident()
        return [
            f"    {i} = self.{self.ident()}({self.word()}, timeout={self.r.randint(1, 60)})",
            f"def {i}({w}: str, {self.word()}: int = {self.r.randint(0, 99)}) -> dict:",
            f"    token = self.get_{w}_token_from_cache(refresh=True)",
            f'    logger.info("{w} {self.word()} finished", extra={{"id": "{self.uuid()}"}})',
            f"    if {w}_{self.word()} is None or not {self.ident()}:",
            f"        return {{'{w}': {self.ident()}, 'sha': '{self.s(40, HEX)}'}}",
            f"# {' '.join(self.word() for _ in range(self.r.randint(4, 12)))}",
            f"    secret_name = f'synap/{{instance_id}}/{w}-key'",
        ][c]

    def js(self) -> str:
        c = self.r.randrange(6)
        w = self.word()
        return [
            f"  const {w}{self.word().title()} = await client.{self.word()}({{ {w}, limit: 20 }});",
            f"  apiKey: process.env.SYNAP_API_KEY_{w.upper()},",
            f"export function {w}Handler(req, res) {{ return res.json({{ ok: true }}); }}",
            f"  // {' '.join(self.word() for _ in range(8))}",
            "  headers: { Authorization: `Bearer ${token}`, "
            + f"'X-Request-Id': '{self.uuid()}' }},",
            f"  const hash = '{self.s(64, HEX)}';",
        ][c]

    def lock(self) -> str:
        c = self.r.randrange(4)
        w = self.word()
        return [
            f'      "integrity": "sha512-{self.s(86, B64)}==",',
            f'      "resolved": "https://registry.npmjs.org/{w}/-/{w}-{self.version()}.tgz",',
            f'    "node_modules/{w}-{self.word()}": {{',
            f'      "version": "{self.version()}",',
        ][c]

    def yaml(self) -> str:
        c = self.r.randrange(7)
        w = self.word()
        return [
            f"        image: registry.example.com/{w}@sha256:{self.s(64, HEX)}",
            f"      - name: {w.upper()}_{self.word().upper()}",
            f"          valueFrom: {{secretKeyRef: {{name: {w}-secret, key: {self.word()}}}}}",
            f"    {w}: {self.r.randint(0, 9999)}",
            f"  {self.ident()}: {self.word()}-{self.word()}",
            f"    token: ${{{{ secrets.{w.upper()}_TOKEN }}}}",
            f"    commit: {self.s(40, HEX)}",
        ][c]

    def env(self) -> str:
        c = self.r.randrange(5)
        w = self.word().upper()
        return [
            f"{w}_URL=https://{self.word()}.internal.example.com",
            f"{w}_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:{self.word()}-{self.s(6)}",
            f"{w}_TIMEOUT={self.r.randint(1, 60)}",
            f"{w}_ID={self.uuid()}",
            f"{w}_TOKEN=${{{w}_TOKEN_FROM_VAULT}}",
        ][c]

    def md(self) -> str:
        c = self.r.randrange(4)
        return [
            " ".join(self.word() for _ in range(self.r.randint(8, 16))) + ".",
            'curl -H "Authorization: Bearer $SYNAP_API_KEY" https://api.maximem.ai/v1/instances',
            f"- `{self.ident()}`: {' '.join(self.word() for _ in range(6))}",
            f"See commit {self.s(40, HEX)} and request {self.uuid()}.",
        ][c]

    def docker(self) -> str:
        c = self.r.randrange(4)
        w = self.word()
        return [
            f"RUN pip install --no-cache-dir {w}=={self.r.randint(1, 9)}.{self.r.randint(0, 9)}",
            f"ENV {w.upper()}_PORT={self.r.randint(1000, 9999)}",
            f"COPY {w}/ /app/{w}/",
            f"FROM python:3.12-slim@sha256:{self.s(64, HEX)}",
        ][c]

    # -- planted -----------------------------------------------------------------------------

    def planted_key(self, kind: str) -> str:
        k = self.key()
        return {
            "env": f"SYNAP_API_KEY={k}",
            "docker": self.r.choice([f"ENV SYNAP_API_KEY={k}", f"ENV SYNAP_API_KEY {k}"]),
            "yaml": self.r.choice([f"    api_key: {k}", f'    api_key: "{k}"']),
            "sh": f"export SYNAP_API_KEY={k}",
            "json": f'  "synapApiKey": "{k}",',
            "toml": f'api_key = "{k}"',
            "md": self.r.choice(
                [f"Use `{k}` for the demo.", f"curl -H 'Authorization: Bearer {k}' $URL"]
            ),
            "py": f'    client = Synap(api_key="{k}")',
            "js": f"  const key = '{k}';",
            "url": f"  endpoint: https://api.maximem.ai/v1/context?key={k}",
        }[kind]

    def planted_other(self) -> str:
        c = self.r.randrange(7)
        return [
            f"aws_access_key_id = AKIA{self.s(16, string.ascii_uppercase + string.digits)}",
            f"aws_secret_access_key = {self.s(40, B64)}",
            f"  webhook_signing_secret: {self.s(64, HEX)}",
            f'  "clientSecret": "{self.s(32)}",',
            f"curl -H 'Authorization: Bearer {self.s(40)}' https://api.example.com",
            f"DATABASE_URL=postgres://app:{self.s(20)}@db.internal:5432/app",
            f"export GITHUB_TOKEN={self.s(36)}",
        ][c]

    def planted_negative(self) -> str:
        c = self.r.randrange(16)
        return [
            "SYNAP_API_KEY=synap_your_key_here",
            "    api_key: synap_" + "x" * 58,
            "SYNAP_API_KEY=synap_" + self.r.choice("AX0") * 58,
            "api_key: <your-key>",
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            f"  synap-keyops:admin_key:\n    secure: v1:{self.s(24, B64)}:{self.s(120, B64)}",
            f"SYNAP_API_KEY_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:synap/prod/api-key-{self.s(6)}",
            "SYNAP_API_KEY: '{{resolve:secretsmanager:synap/prod/api-key:SecretString:api_key}}'",
            'SYNAP_API_KEY="${SYNAP_API_KEY}"',
            "  api_key: ${{ secrets.SYNAP_API_KEY }}",
            f'      "integrity": "sha512-{self.s(86, B64)}==",',
            f"request_token_id = {self.uuid()}",
            f"commit_token: {self.s(40, HEX)}",
            f"synap_api_key_provider = {self.ident()}_{self.ident()}_factory()",
            "SYNAP_API_KEY=synap_" + self.s(57),  # one character short: not a key
        ][c]


_KINDS: dict[str, tuple[str, str]] = {
    # file kind -> (name pattern, planted-key style)
    "py": ("src/{}/{}.py", "py"),
    "js": ("web/{}/{}.js", "js"),
    "lock": ("web/{}/{}-lock.json", "json"),
    "yaml": ("deploy/{}/{}.yaml", "yaml"),
    "env": ("env/{}/{}.env", "env"),
    "md": ("docs/{}/{}.md", "md"),
    "docker": ("docker/{}/{}.Dockerfile", "docker"),
}


def build_corpus(root: Path, size_mb: float = 52.0, *, seed: int = 6, keys: int = 300) -> Truth:
    """Write the corpus under ``root`` (which must not exist or be empty)."""
    g = _Gen(seed)
    truth = Truth()
    target = int(size_mb * 1_000_000)
    files: list[tuple[str, str, list[str]]] = []
    fillers: dict[str, Callable[[], str]] = {
        "py": g.py, "js": g.js, "lock": g.lock, "yaml": g.yaml,
        "env": g.env, "md": g.md, "docker": g.docker,
    }  # fmt: skip
    written = 0
    n = 0
    while written < target:
        kind = g.r.choices(list(_KINDS), weights=[5, 4, 3, 4, 1, 2, 1])[0]
        pattern, _ = _KINDS[kind]
        path = pattern.format(g.word() + str(n % 97), f"{g.word()}_{n}")
        count = g.r.randint(80, 900) if kind != "env" else g.r.randint(5, 60)
        lines = [fillers[kind]() for _ in range(count)]
        written += sum(len(x) + 1 for x in lines)
        files.append((kind, path, lines))
        n += 1
    styles = ["env", "docker", "yaml", "sh", "json", "toml", "md", "py", "js", "url"]

    def plant(text: str, into: set[tuple[str, int]]) -> None:
        _, path, lines = g.r.choice(files)
        at = g.r.randint(0, len(lines))
        lines.insert(at, text)
        # lines after the insertion point move down: fix up earlier truth in this file
        for bucket in (truth.synap, truth.other, truth.negatives):
            moved = {(p, ln + text.count("\n") + 1) for p, ln in bucket if p == path and ln > at}
            stay = {(p, ln) for p, ln in bucket if not (p == path and ln > at)}
            bucket.clear()
            bucket.update(stay | moved)
        into.add((path, at + 1 + (text.count("\n") if "secure:" in text else 0)))

    for i in range(keys):
        plant(g.planted_key(styles[i % len(styles)]), truth.synap)
    for _ in range(keys // 5):
        plant(g.planted_other(), truth.other)
    for _ in range(keys):
        plant(g.planted_negative(), truth.negatives)
    for _, path, lines in files:
        target_path = root / path
        target_path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(lines) + "\n").encode()
        target_path.write_bytes(data)
        truth.bytes += len(data)
    truth.files = len(files)
    (root / ".truth.json").write_text(json.dumps(truth.to_dict()))
    return truth
