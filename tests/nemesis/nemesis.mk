# The single-VM nemesis runner (tests/nemesis/run.sh,
# Documentation/nemesis.rst).  Not in `make all`; make check runs the
# short set through tests/nemesis/check-stage.bash.
#
#   make nemesis SEED=N [KERNEL=6.1|6.12] [SCENARIO=net|disk|ops|mix|fs]
#                [ROUNDS=R] [STALE_READ=1]
#   make nemesis-long BUDGET=3600 KERNELS="6.1 6.12" [SEED=N]
.PHONY: nemesis nemesis-long

nemesis: all
	$(TOP)/tests/nemesis/run.sh $(if $(SEED),--seed $(SEED)) \
		--kernel $(or $(KERNEL),6.1) --scenario $(or $(SCENARIO),mix) \
		$(if $(ROUNDS),--rounds $(ROUNDS)) $(if $(STALE_READ),--stale-read)

nemesis-long: all
	$(TOP)/tests/nemesis/run.sh --long $(or $(BUDGET),3600) \
		--kernels "$(KERNELS)" $(if $(SEED),--seed $(SEED)) \
		$(if $(ROUNDS),--rounds $(ROUNDS))
