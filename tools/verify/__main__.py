from tools.verify.cli import main

raise SystemExit(main())
