# Shared by the example Makefiles (include ../common.mk): bash with pipefail, make's
# .DELETE_ON_ERROR (a target whose recipe fails is removed), no built-in rules, intermediate files
# kept, the tools from node_modules/.bin, and ATOMIC: begin a one-line recipe with $(ATOMIC),
# write $@.tmp, end with `mv $@.tmp $@` — the trap removes the temp file unless it was renamed, so
# an output is either whole or absent.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
export PATH := $(ROOT)/node_modules/.bin:$(PATH)
ATOMIC = trap 'rm -f $@.tmp' EXIT;
