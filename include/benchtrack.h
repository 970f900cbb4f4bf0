/* benchtrack: the one header a benchmark author includes.
 * See DESIGN.md and docs/ for the contracts of each part. */
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
#include "benchtrack/analysis.h"
#include "benchtrack/dashboard.h"
#include "benchtrack/regress.h"

#endif
