"""The test bed: everything that stands in for Azure and the Pulumi CLI where neither exists.

The fake tenant, the runner of ``__main__.py`` on Pulumi's mock runtime, and the loader of
``Pulumi.<stack>.yaml``. The commands people run stay in ``tools/``; they import from here.
"""
