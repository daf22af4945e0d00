# The two front-door commands. Each installs what it needs (Node 24, npm packages, Maven jars, Debian packages).
SHELL := /bin/bash
.PHONY: demo test test-unit test-int typecheck stop

demo:
	@source deploy/local/node-env.sh && node processors/bin/demo.ts

test:
	@source deploy/local/node-env.sh && deploy/local/prereqs.sh && npm run typecheck && npx vitest run

test-unit:
	@source deploy/local/node-env.sh && npx vitest run --project unit

test-int:
	@source deploy/local/node-env.sh && deploy/local/prereqs.sh && npx vitest run --project int

typecheck:
	@source deploy/local/node-env.sh && npm run typecheck

stop:
	@deploy/local/stack.sh stop
