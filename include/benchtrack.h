/* benchtrack: the one header a benchmark author includes.
 * docs/API.md is the tour; docs/internals/ARCHITECTURE.md maps the parts. */
#ifndef BENCHTRACK_H
#define BENCHTRACK_H

#define BENCHTRACK_VERSION "0.1.0"

#include "benchtrack/error.h"
#include "benchtrack/strbuf.h"
#include "benchtrack/stats.h"
#include "benchtrack/params.h"
#include "benchtrack/result.h"
#include "benchtrack/bench.h"
#include "benchtrack/runner.h"
#include "benchtrack/report.h"
#include "benchtrack/store.h"
#include "benchtrack/sync.h"
#include "benchtrack/analysis.h"
#include "benchtrack/dashboard.h"
#include "benchtrack/regress.h"
#include "benchtrack/exec.h"
#include "benchtrack/import.h"
#include "benchtrack/hub.h"

#endif
