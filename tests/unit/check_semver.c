/* check_semver: unit tests for catalog/semver.c.
 *
 * Expected values in the tables below are node-semver 7.8.5's own answers
 * (loose and includePrerelease off): desugared ranges are its
 * `new Range(r).range`, include/exclude rows its `satisfies(v, r)`, and
 * invalid ranges are ones its Range constructor throws for.  Inputs are
 * drawn from the node-semver test fixtures, the module brief and npm's
 * corner cases.
 */
#include "catalog/semver.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Range -> npm's new Range(range).range. */
static const struct { const char *range, *desugared; } desugar_cases[] = {
	{ "1.2 - 2.3.4", ">=1.2.0 <=2.3.4" }, { "1.2.3 - 2.3", ">=1.2.3 <2.4.0-0" },
	{ "1.2.3 - 2", ">=1.2.3 <3.0.0-0" }, { "* - 2", "<3.0.0-0" }, { "1.2.3 - *", ">=1.2.3" },
	{ ">= 1.2.3", ">=1.2.3" }, { "~ 1.2", ">=1.2.0 <1.3.0-0" }, { "^ 1.2", ">=1.2.0 <2.0.0-0" },
	{ "*", "" }, { "x", "" }, { "X", "" }, { "1.x", ">=1.0.0 <2.0.0-0" },
	{ "1.2.X", ">=1.2.0 <1.3.0-0" }, { "1", ">=1.0.0 <2.0.0-0" }, { "1.2", ">=1.2.0 <1.3.0-0" },
	{ "", "" }, { "~1.2.3", ">=1.2.3 <1.3.0-0" }, { "~1.2", ">=1.2.0 <1.3.0-0" },
	{ "~1", ">=1.0.0 <2.0.0-0" }, { "~>1.2.3", ">=1.2.3 <1.3.0-0" },
	{ "~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0" }, { "^1.2.3", ">=1.2.3 <2.0.0-0" },
	{ "^0.2.3", ">=0.2.3 <0.3.0-0" }, { "^0.0.3", ">=0.0.3 <0.0.4-0" },
	{ "^1.2.x", ">=1.2.0 <2.0.0-0" }, { "^0.0.x", "<0.1.0-0" }, { "^0.0", "<0.1.0-0" },
	{ "^1.x", ">=1.0.0 <2.0.0-0" }, { "^0.x", "<1.0.0-0" },
	{ "^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0" }, { "^0.0.3-beta", ">=0.0.3-beta <0.0.4-0" },
	{ ">1", ">=2.0.0" }, { ">1.2", ">=1.3.0" }, { "<1.2", "<1.2.0-0" }, { "<=1.2", "<1.3.0-0" },
	{ ">=1.2", ">=1.2.0" }, { "=1.2", ">=1.2.0 <1.3.0-0" }, { ">*", "<0.0.0-0" },
	{ "<*", "<0.0.0-0" }, { ">=*", "" }, { "=1.2.3", "1.2.3" }, { "v1.2.3", "1.2.3" },
	{ "=v1.2.3", "1.2.3" }, { "1.2.3+build", "1.2.3" }, { ">=0.0.0", "" },
	{ "* || 1.2.3-beta", "" }, { "<0.0.0-0", "<0.0.0-0" },
	{ "1.0.0 - 2.0.0", ">=1.0.0 <=2.0.0" }, { "1 - 2", ">=1.0.0 <3.0.0-0" },
	{ "1.0 - 2.0", ">=1.0.0 <2.1.0-0" }, { "1.0.0", "1.0.0" }, { ">=1.0.0", ">=1.0.0" },
	{ ">1.0.0", ">1.0.0" }, { "<=2.0.0", "<=2.0.0" }, { "<2.0.0", "<2.0.0" },
	{ ">=  1.0.0", ">=1.0.0" }, { "> 1.0.0", ">1.0.0" }, { "<=   2.0.0", "<=2.0.0" },
	{ "<    2.0.0", "<2.0.0" }, { "<\t2.0.0", "<2.0.0" }, { ">=0.1.97", ">=0.1.97" },
	{ "0.1.20 || 1.2.4", "0.1.20||1.2.4" }, { ">=0.2.3 || <0.0.1", ">=0.2.3||<0.0.1" },
	{ "||", "" }, { "2.x.x", ">=2.0.0 <3.0.0-0" }, { "1.2.x", ">=1.2.0 <1.3.0-0" },
	{ "1.2.x || 2.x", ">=1.2.0 <1.3.0-0||>=2.0.0 <3.0.0-0" }, { "2.*.*", ">=2.0.0 <3.0.0-0" },
	{ "1.2.*", ">=1.2.0 <1.3.0-0" }, { "1.2.* || 2.*", ">=1.2.0 <1.3.0-0||>=2.0.0 <3.0.0-0" },
	{ "2", ">=2.0.0 <3.0.0-0" }, { "2.3", ">=2.3.0 <2.4.0-0" }, { "~2.4", ">=2.4.0 <2.5.0-0" },
	{ "~>3.2.1", ">=3.2.1 <3.3.0-0" }, { "~>1", ">=1.0.0 <2.0.0-0" },
	{ "~> 1", ">=1.0.0 <2.0.0-0" }, { "~1.0", ">=1.0.0 <1.1.0-0" },
	{ "~ 1.0", ">=1.0.0 <1.1.0-0" }, { "^0", "<1.0.0-0" }, { "^ 1", ">=1.0.0 <2.0.0-0" },
	{ "^0.1", ">=0.1.0 <0.2.0-0" }, { "^1.0", ">=1.0.0 <2.0.0-0" },
	{ "^1.2", ">=1.2.0 <2.0.0-0" }, { "^0.0.1", ">=0.0.1 <0.0.2-0" },
	{ "^0.0.1-beta", ">=0.0.1-beta <0.0.2-0" }, { "^0.1.2", ">=0.1.2 <0.2.0-0" },
	{ "^1.2.3-beta.4", ">=1.2.3-beta.4 <2.0.0-0" }, { "<1", "<1.0.0-0" }, { "< 1", "<1.0.0-0" },
	{ ">=1", ">=1.0.0" }, { ">= 1", ">=1.0.0" }, { "< 1.2", "<1.2.0-0" },
	{ "^ 1.2 ^ 1", ">=1.2.0 <2.0.0-0 >=1.0.0" }, { "1.2 - 3.4.5", ">=1.2.0 <=3.4.5" },
	{ "1.2.3 - 3.4", ">=1.2.3 <3.5.0-0" }, { "1.2 - 3.4", ">=1.2.0 <3.5.0-0" },
	{ ">X", "<0.0.0-0" }, { "<X", "<0.0.0-0" }, { "<x <* || >* 2.x", "<0.0.0-0" },
	{ ">x 2.x || * || <x", "" }, { "> =1.2.3", ">=1.2.3" }, { "~ >1.2.3", ">=1.2.3 <1.3.0-0" },
	{ ">=*1.2.3", "1.2.3" }, { "1.2.3*", "1.2.3" }, { "+build", "" }, { "1.2.3 |||| 2", "" },
	{ "==1.x", ">=1.0.0 <2.0.0-0" }, { "+a +b 1.2.3 - 2", ">=1.2.3 <3.0.0-0" },
	{ "1.2.3 - v 2.3", ">=1.2.3 <2.4.0-0" }, { "v1.2.3 - v2.3.4", ">=1.2.3 <=2.3.4" },
	{ ">=v0.0.0", ">=0.0.0" },
	{ "~9007199254740990", ">=9007199254740990.0.0 <9007199254740991.0.0-0" },
	{ "1.2.3 =1.2.3 v1.2.3", "1.2.3" }, { ">=1.2.3 *", ">=1.2.3" },
	{ "* >=1.2.3 >=1.2.3", ">=1.2.3" }, { "<0.0.0-0 || 1.2.3", "1.2.3" },
	{ "<0.0.0-0 || <0.0.0-0", "<0.0.0-0" }, { "1.2.3 <0.0.0-0 2", "<0.0.0-0" },
	{ "*.1 - 2", "<3.0.0-0" }, { "~1.x.3", ">=1.0.0 <2.0.0-0" },
	{ "1.2.3-rc.1+build.5 - 2", ">=1.2.3-rc.1 <3.0.0-0" },
	{ ">1.2.3-alpha <1.2.4-beta", ">1.2.3-alpha <1.2.4-beta" },
	{ "~1.2.x-beta", ">=1.2.0 <1.3.0-0" }, { "^1.2.3-0", ">=1.2.3-0 <2.0.0-0" },
	{ "\302\2401.2.3\343\200\200||\342\200\250 2", "1.2.3||>=2.0.0 <3.0.0-0" },
	{ "1.2.3\t-\t2", ">=1.2.3 <3.0.0-0" }, { ">=1.2.3 ||\n<1.0.0", ">=1.2.3||<1.0.0" },
	{ " \357\273\277^1.2 ", ">=1.2.0 <2.0.0-0" }, { "1 1 1", ">=1.0.0 <2.0.0-0" },
	{ ">=1.2.3 <2 || >=3 <4 || 5.x", ">=1.2.3 <2.0.0-0||>=3.0.0 <4.0.0-0||>=5.0.0 <6.0.0-0" },
	{ "1.2.3 - 2.3.4 || ~3.1", ">=1.2.3 <=2.3.4||>=3.1.0 <3.2.0-0" }, { "=*", "" },
	{ "<=*", "" }, { ">=x.x.x", "" }, { "0.x || 1.x", "<1.0.0-0||>=1.0.0 <2.0.0-0" },
};

/* npm throws TypeError for each of these. */
static const char *const invalid_ranges[] = {
	">01.02.03", "~1.2.3beta", "=1.2.3 - 2.0.0", "< = 1.2.3", "==1.2.3", "~9007199254740991",
	"^9007199254740991.0.0", ">9007199254740991", "1.2.3 - 999999999999999999999", "|",
	"1.2.3 ||| 2", "a", "1.2.3.4", "01", "1.02", ">=1.2.3-01", "foo bar", "1.*.2", "*.1", ">",
	"<=", "~", "^", "-", "1 - 2 - 3", ">=1.2.3 <", "1.2.3 - ", "x.1", "1.2.3-", "1.2.3-a..b",
	"~1.2.3 foo", ">=1.0.0 || bogus", "9007199254740992", "1.2.3-beta_1", "V1.2.3",
	"1.2.3 - 2.3.4 - 5", "v 1.2.3",
};

struct rv { const char *range, *version; };

static const struct rv include_cases[] = {
	{ "1.0.0 - 2.0.0", "1.2.3" }, { "^1.2.3+build", "1.2.3" }, { "^1.2.3+build", "1.3.0" },
	{ "1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3" },
	{ "1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2" },
	{ "1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha" },
	{ "1.2.3+asdf - 2.4.3+asdf", "1.2.3" }, { "1.0.0", "1.0.0" }, { ">=*", "0.2.4" },
	{ "", "1.0.0" }, { "*", "1.2.3" }, { ">=1.0.0", "1.0.0" }, { ">=1.0.0", "1.0.1" },
	{ ">=1.0.0", "1.1.0" }, { ">1.0.0", "1.0.1" }, { ">1.0.0", "1.1.0" },
	{ "<=2.0.0", "2.0.0" }, { "<=2.0.0", "1.9999.9999" }, { "<=2.0.0", "0.2.9" },
	{ "<2.0.0", "1.9999.9999" }, { "<2.0.0", "0.2.9" }, { ">= 1.0.0", "1.0.0" },
	{ ">=  1.0.0", "1.0.1" }, { "> 1.0.0", "1.0.1" }, { "<=   2.0.0", "2.0.0" },
	{ "<    2.0.0", "1.9999.9999" }, { "<\t2.0.0", "0.2.9" }, { ">=0.1.97", "0.1.97" },
	{ "0.1.20 || 1.2.4", "1.2.4" }, { ">=0.2.3 || <0.0.1", "0.0.0" },
	{ ">=0.2.3 || <0.0.1", "0.2.3" }, { "||", "1.3.4" }, { "2.x.x", "2.1.3" },
	{ "1.2.x", "1.2.3" }, { "1.2.x || 2.x", "2.1.3" }, { "x", "1.2.3" }, { "2.*.*", "2.1.3" },
	{ "1.2.*", "1.2.3" }, { "2", "2.1.2" }, { "2.3", "2.3.1" }, { "~0.0.1", "0.0.1" },
	{ "~0.0.1", "0.0.2" }, { "~x", "0.0.9" }, { "~2", "2.0.9" }, { "~2.4", "2.4.0" },
	{ "~2.4", "2.4.5" }, { "~>3.2.1", "3.2.2" }, { "~1", "1.2.3" }, { "~>1", "1.2.3" },
	{ "~> 1", "1.2.3" }, { "~1.0", "1.0.2" }, { "~ 1.0.3", "1.0.12" }, { ">=1", "1.0.0" },
	{ "<1.2", "1.1.1" }, { "~v0.5.4-pre", "0.5.5" }, { "~v0.5.4-pre", "0.5.4" },
	{ "=0.7.x", "0.7.2" }, { "<=0.7.x", "0.7.2" }, { ">=0.7.x", "0.7.2" },
	{ "<=0.7.x", "0.6.2" }, { "~1.2.1 >=1.2.3", "1.2.3" }, { "~1.2.1 =1.2.3", "1.2.3" },
	{ ">=1.2.1 1.2.3", "1.2.3" }, { ">=1.2", "1.2.8" }, { "^1.2.3", "1.8.1" },
	{ "^0.1.2", "0.1.2" }, { "^0.1", "0.1.2" }, { "^0.0.1", "0.0.1" }, { "^1.2", "1.4.2" },
	{ "^1.2 ^1", "1.4.2" }, { "^1.2.3-alpha", "1.2.3-pre" }, { "^1.2.0-alpha", "1.2.0-pre" },
	{ "^0.0.1-alpha", "0.0.1-beta" }, { "^0.0.1-alpha", "0.0.1" },
	{ "^0.1.1-alpha", "0.1.1-beta" }, { "^x", "1.2.3" }, { "x - 1.0.0", "0.9.7" },
	{ "x - 1.x", "0.9.7" }, { "1.0.0 - x", "1.9.7" }, { "1.x - x", "1.9.7" },
	{ "<=7.x", "7.9.9" }, { ">=1.2.3-0", "1.2.3-alpha" }, { "^1.2.3-beta.2", "1.2.3-beta.4" },
	{ "1.2.3 - 2", "2.9.9" }, { "^0.0.3-beta", "0.0.3-beta.1" }, { "^0.0.3-beta", "0.0.3" },
	{ "~1.2.3-beta.2", "1.2.3-beta.10" }, { "1.2.3-beta.1 || 1.2.3-beta.3", "1.2.3-beta.3" },
	{ ">=1.2.3-rc.1 <1.2.4", "1.2.3-rc.2" }, { "<0.0.0-0 || 1.2.3", "1.2.3" },
	{ "= 1.2.3", "1.2.3" }, { ">=v0.0.0 || 1.2.3-beta", "1.2.3-beta" },
};

static const struct rv exclude_cases[] = {
	{ "1.0.0 - 2.0.0", "2.2.3" }, { "1.2.3+asdf - 2.4.3+asdf", "1.2.3-pre.2" },
	{ "1.2.3+asdf - 2.4.3+asdf", "2.4.3-alpha" }, { "^1.2.3+build", "2.0.0" },
	{ "^1.2.3+build", "1.2.0" }, { "^1.2.3", "1.2.3-pre" }, { "^1.2", "1.2.0-pre" },
	{ ">1.2", "1.3.0-beta" }, { "<=1.2.3", "1.2.3-beta" }, { "^1.2.3", "1.2.3-beta" },
	{ "=0.7.x", "0.7.0-asdf" }, { ">=0.7.x", "0.7.0-asdf" }, { "1.0.0", "1.0.1" },
	{ ">=1.0.0", "0.0.0" }, { ">=1.0.0", "0.0.1" }, { ">=1.0.0", "0.1.0" },
	{ ">1.0.0", "0.0.1" }, { ">1.0.0", "0.1.0" }, { "<=2.0.0", "3.0.0" },
	{ "<=2.0.0", "2.9999.9999" }, { "<=2.0.0", "2.2.9" }, { "<2.0.0", "2.9999.9999" },
	{ "<2.0.0", "2.2.9" }, { ">=0.1.97", "0.1.93" }, { "0.1.20 || 1.2.4", "1.2.3" },
	{ ">=0.2.3 || <0.0.1", "0.0.3" }, { ">=0.2.3 || <0.0.1", "0.2.2" }, { "2.x.x", "3.1.3" },
	{ "1.2.x", "1.3.3" }, { "1.2.x || 2.x", "3.1.3" }, { "1.2.x || 2.x", "1.1.3" },
	{ "2.*.*", "1.1.3" }, { "2.*.*", "3.1.3" }, { "1.2.*", "1.3.3" }, { "2", "1.1.2" },
	{ "2.3", "2.4.1" }, { "~0.0.1", "0.1.0-alpha" }, { "~0.0.1", "0.1.0" }, { "~2.4", "2.5.0" },
	{ "~2.4", "2.3.9" }, { "~>3.2.1", "3.3.2" }, { "~>3.2.1", "3.2.0" }, { "~1", "0.2.3" },
	{ "~>1", "2.2.3" }, { "~1.0", "1.1.0" }, { "<1", "1.0.0" }, { ">=1.2", "1.1.1" },
	{ "~v0.5.4-beta", "0.5.4-alpha" }, { "=0.7.x", "0.8.2" }, { ">=0.7.x", "0.6.2" },
	{ "<0.7.x", "0.7.2" }, { "<1.2.3", "1.2.3-beta" }, { "=1.2.3", "1.2.3-beta" },
	{ ">1.2", "1.2.8" }, { "^0.0.1", "0.0.2-alpha" }, { "^0.0.1", "0.0.2" },
	{ "^1.2.3", "2.0.0-alpha" }, { "^1.2.3", "1.2.2" }, { "^1.2", "1.1.9" },
	{ "*", "not a version" }, { ">=2", "glorp" }, { "^1.0.0", "2.0.0-rc1" },
	{ ">=1.0.0", "1.2.3-alpha" }, { "^1.2.3-beta.2", "1.2.4-beta.2" },
	{ "^1.2.3", "2.0.0-rc.1" }, { "* || 1.2.3-beta", "1.2.3-beta" }, { "*", "1.2.3-beta" },
	{ "<0.0.0-0", "0.0.0-0" }, { ">*", "1.2.3" }, { "<*", "0.0.0" }, { "^0.0.3", "0.0.4" },
	{ "^0.2.3", "0.3.0" }, { "~1.2.3-beta.2", "1.2.4-beta.1" }, { "1.2.3 - 2.3", "2.4.0-0" },
	{ ">=1.2.3-0 <1.2.4", "1.2.4-0" }, { "1.2.3", "01.2.3" }, { "1.2.3", "=1.2.3" },
};

/* Version, valid in SEMVER_STRICT, canonical text in SEMVER_NPM (NULL: invalid). */
static const struct { const char *s; int strict; const char *npm; } version_cases[] = {
	{ "1.0.0", 1, "1.0.0" }, { "2.1.0", 1, "2.1.0" }, { "3.2.1", 1, "3.2.1" },
	{ "0.0.0", 1, "0.0.0" }, { "1.2.3-0", 1, "1.2.3-0" }, { "1.2.3-123", 1, "1.2.3-123" },
	{ "1.2.3-1.2.3", 1, "1.2.3-1.2.3" }, { "1.2.3-1a", 1, "1.2.3-1a" },
	{ "1.2.3-a1", 1, "1.2.3-a1" }, { "1.2.3-alpha", 1, "1.2.3-alpha" },
	{ "1.2.3-alpha.1", 1, "1.2.3-alpha.1" }, { "1.2.3-alpha-1", 1, "1.2.3-alpha-1" },
	{ "1.2.3-alpha-.-beta", 1, "1.2.3-alpha-.-beta" }, { "1.2.3+456", 1, "1.2.3+456" },
	{ "1.2.3+build", 1, "1.2.3+build" }, { "1.2.3+new-build", 1, "1.2.3+new-build" },
	{ "1.2.3+build.1", 1, "1.2.3+build.1" }, { "1.2.3+build.1a", 1, "1.2.3+build.1a" },
	{ "1.2.3+build.alpha.beta", 1, "1.2.3+build.alpha.beta" },
	{ "1.2.3-alpha+build", 1, "1.2.3-alpha+build" },
	{ "1.0.0-rc.1+build.5", 1, "1.0.0-rc.1+build.5" },
	{ "1.2.3+001.0002", 1, "1.2.3+001.0002" }, { "1.2.3-0a", 1, "1.2.3-0a" },
	{ "1.2.3--", 1, "1.2.3--" }, { "1.2.3-x.7.z.92", 1, "1.2.3-x.7.z.92" },
	{ "9007199254740991.0.0", 1, "9007199254740991.0.0" },
	{ "0.9007199254740991.9007199254740991", 1, "0.9007199254740991.9007199254740991" },
	{ "1.2.3-99999999999999999999", 1, "1.2.3-99999999999999999999" }, { "v1.2.3", 0, "1.2.3" },
	{ " 1.2.3", 0, "1.2.3" }, { "1.2.3 ", 0, "1.2.3" },
	{ "\t v1.2.3-beta+b \n", 0, "1.2.3-beta+b" }, { "\302\2401.2.3\343\200\200", 0, "1.2.3" },
	{ "\357\273\2771.2.3", 0, "1.2.3" }, { "=1.2.3", 0, NULL }, { "v 1.2.3", 0, NULL },
	{ "vv1.2.3", 0, NULL }, { "V1.2.3", 0, NULL }, { "1.2", 0, NULL }, { "1", 0, NULL },
	{ "", 0, NULL }, { " ", 0, NULL }, { "v", 0, NULL }, { "01.2.3", 0, NULL },
	{ "1.02.3", 0, NULL }, { "1.2.03", 0, NULL }, { "1.2.3-01", 0, NULL },
	{ "1.2.3-", 0, NULL }, { "1.2.3+", 0, NULL }, { "1.2.3-a..b", 0, NULL },
	{ "1.2.3+a..b", 0, NULL }, { "1.2.3-a_b", 0, NULL }, { "1.2.3.4", 0, NULL },
	{ "-1.2.3", 0, NULL }, { "+1.2.3", 0, NULL }, { "1.2.3x", 0, NULL },
	{ "9007199254740992.0.0", 0, NULL }, { "0.0.9007199254740992", 0, NULL },
	{ "90071992547409910.0.0", 0, NULL }, { "hello, world", 0, NULL },
	{ "1.2.3-\303\251", 0, NULL }, { "1.2.3\341\240\216", 0, NULL }, { "1.2.3 - 2", 0, NULL },
};

struct pair { const char *a, *b; };

/* a > b. */
static const struct pair greater_cases[] = {
	{ "0.0.0", "0.0.0-foo" }, { "0.0.1", "0.0.0" }, { "1.0.0", "0.9.9" }, { "0.10.0", "0.9.0" },
	{ "0.99.0", "0.10.0" }, { "2.0.0", "1.2.3" }, { "1.2.3", "1.2.3-asdf" },
	{ "1.2.3", "1.2.3-4" }, { "1.2.3", "1.2.3-4-foo" }, { "1.2.3-5-foo", "1.2.3-5" },
	{ "1.2.3-5", "1.2.3-4" }, { "1.2.3-5-foo", "1.2.3-5-Foo" }, { "3.0.0", "2.7.2+asdf" },
	{ "1.2.3-a.10", "1.2.3-a.5" }, { "1.2.3-a.b", "1.2.3-a.5" }, { "1.2.3-a.b", "1.2.3-a" },
	{ "1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100" }, { "1.2.3-r2", "1.2.3-r100" },
	{ "1.2.3-r100", "1.2.3-R2" }, { "1.0.0-alpha.1", "1.0.0-alpha" },
	{ "1.0.0-alpha.beta", "1.0.0-alpha.1" }, { "1.0.0-beta", "1.0.0-alpha.beta" },
	{ "1.0.0-beta.2", "1.0.0-beta" }, { "1.0.0-beta.11", "1.0.0-beta.2" },
	{ "1.0.0-rc.1", "1.0.0-beta.11" }, { "1.0.0", "1.0.0-rc.1" }, { "2.0.0", "1.99999.99999" },
	{ "1.0.0-a", "1.0.0-99999999999999999999" }, { "1.0.0-0a", "1.0.0-99" },
};

/* Equal precedence (build metadata is ignored). */
static const struct pair equal_cases[] = {
	{ "1.2.3-beta+build", "1.2.3-beta+otherbuild" }, { "1.2.3+build", "1.2.3+otherbuild" },
	{ "  v1.2.3+build", "1.2.3+otherbuild" }, { "1.2.3", "v1.2.3" }, { "1.2.3-0", " 1.2.3-0 " },
};

/* ------------------------------------------------------------- helpers */

/* The desugared text of range s, malloc'd, or NULL if s is invalid. */
static char *range_text(const char *s)
{
	char err[128];
	struct semver_range *r = semver_range_parse(s, err, sizeof err);
	if (!r)
		return NULL;
	int n = semver_range_format(r, NULL, 0);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(semver_range_format(r, buf, (size_t)n + 1), n);
	semver_range_free(r);
	return buf;
}

static int cmp_str(const char *a, const char *b)
{
	struct semver x, y;
	ck_assert_msg(semver_parse(a, SEMVER_NPM, &x) == 0, "parse %s", a);
	ck_assert_msg(semver_parse(b, SEMVER_NPM, &y) == 0, "parse %s", b);
	int c = semver_compare(&x, &y);
	semver_free(&x);
	semver_free(&y);
	return c;
}

/* semver_range_test on a version parsed in mode (the non-string path). */
static int range_test_str(const char *range, const char *version, enum semver_mode mode)
{
	struct semver v;
	struct semver_range *r = semver_range_parse(range, NULL, 0);
	ck_assert_msg(r != NULL, "range %s", range);
	ck_assert_msg(semver_parse(version, mode, &v) == 0, "version %s", version);
	int ok = semver_range_test(r, &v);
	semver_free(&v);
	semver_range_free(r);
	return ok;
}

static char *repeat(const char *s, size_t times, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	char *buf = malloc(n * times + t + 1);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < times; i++)
		memcpy(buf + i * n, s, n);
	memcpy(buf + n * times, tail, t + 1);
	return buf;
}

/* ------------------------------------------------------------- versions */

START_TEST(test_version_table)
{
	const char *s = version_cases[_i].s;
	struct semver v;
	char buf[300];
	int strict = semver_parse(s, SEMVER_STRICT, &v) == 0;
	ck_assert_msg(strict == version_cases[_i].strict, "strict \"%s\": got %d", s, strict);
	semver_free(&v);
	int npm = semver_parse(s, SEMVER_NPM, &v) == 0;
	ck_assert_msg(npm == (version_cases[_i].npm != NULL), "npm \"%s\": got %d", s, npm);
	if (npm) {
		semver_format(&v, buf, sizeof buf);
		ck_assert_str_eq(buf, version_cases[_i].npm);
	}
	semver_free(&v);
}
END_TEST

START_TEST(test_version_fields)
{
	struct semver v;
	ck_assert_int_eq(semver_parse("1.0.0-rc.1+build.5", SEMVER_STRICT, &v), 0);
	ck_assert_uint_eq(v.major, 1);
	ck_assert_uint_eq(v.minor, 0);
	ck_assert_uint_eq(v.patch, 0);
	ck_assert_str_eq(v.pre, "rc.1");
	ck_assert_str_eq(v.build, "build.5");
	semver_free(&v);
	ck_assert_ptr_null(v.pre);
	ck_assert_int_eq(semver_parse("10.20.30", SEMVER_STRICT, &v), 0);
	ck_assert_uint_eq(v.major, 10);
	ck_assert_uint_eq(v.minor, 20);
	ck_assert_uint_eq(v.patch, 30);
	ck_assert_ptr_null(v.pre);
	ck_assert_ptr_null(v.build);
	semver_free(&v);
	/* On failure out is zeroed and owns nothing. */
	ck_assert_int_eq(semver_parse("1.2.3-01", SEMVER_STRICT, &v), -1);
	ck_assert_ptr_null(v.pre);
	ck_assert_ptr_null(v.build);
	ck_assert_uint_eq(v.major, 0);
	ck_assert_int_eq(semver_parse(NULL, SEMVER_NPM, &v), -1);
	semver_free(NULL);
}
END_TEST

START_TEST(test_version_limits)
{
	struct semver v;
	char *s;
	ck_assert_int_eq(semver_parse("9007199254740991.9007199254740991.9007199254740991",
				      SEMVER_STRICT, &v), 0);
	ck_assert_uint_eq(v.patch, SEMVER_MAX_NUMBER);
	semver_free(&v);
	ck_assert_int_eq(semver_parse("0.9007199254740992.0", SEMVER_STRICT, &v), -1);
	ck_assert_int_eq(semver_parse("0.0.99999999999999999999999", SEMVER_NPM, &v), -1);
	/* Exactly 256 characters is fine, 257 is not, in both modes. */
	s = repeat("1", 256 - 4, ".0.0");
	ck_assert_uint_eq(strlen(s), 256);
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), -1); /* too big a number */
	free(s);
	s = repeat("a", 256, "");
	memcpy(s, "0.0.0-", 6);
	ck_assert_int_eq(semver_parse(s, SEMVER_STRICT, &v), 0);
	semver_free(&v);
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), 0);
	semver_free(&v);
	free(s);
	s = repeat("a", 257, "");
	memcpy(s, "0.0.0-", 6);
	ck_assert_int_eq(semver_parse(s, SEMVER_STRICT, &v), -1);
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), -1);
	free(s);
	/* npm counts the length before trimming. */
	s = repeat(" ", 251, "1.2.3");
	ck_assert_uint_eq(strlen(s), 256);
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), 0);
	semver_free(&v);
	free(s);
	s = repeat(" ", 252, "1.2.3");
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), -1);
	free(s);
	/* ... in UTF-16 units: U+3000 is 3 bytes in UTF-8 but 1 in JavaScript. */
	s = repeat("\343\200\200", 251, "1.2.3");
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), 0);
	semver_free(&v);
	free(s);
	s = repeat("\343\200\200", 252, "1.2.3");
	ck_assert_int_eq(semver_parse(s, SEMVER_NPM, &v), -1);
	free(s);
}
END_TEST

START_TEST(test_version_format)
{
	struct semver v;
	char buf[8];
	ck_assert_int_eq(semver_parse(" v1.22.333-beta.4+exp.sha ", SEMVER_NPM, &v), 0);
	ck_assert_int_eq(semver_format(&v, NULL, 0), 23);
	ck_assert_int_eq(semver_format(&v, buf, sizeof buf), 23);
	ck_assert_str_eq(buf, "1.22.33"); /* truncated, always terminated */
	semver_free(&v);
	struct semver plain = { 0, 0, 0, NULL, NULL };
	ck_assert_int_eq(semver_format(&plain, buf, sizeof buf), 5);
	ck_assert_str_eq(buf, "0.0.0");
}
END_TEST

/* ------------------------------------------------------------ precedence */

/* The example chain from SemVer 2.0.0, section 11. */
static const char *const spec_chain[] = {
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
};

START_TEST(test_spec_chain)
{
	for (size_t i = 0; i < N(spec_chain); i++) {
		ck_assert_int_eq(cmp_str(spec_chain[i], spec_chain[i]), 0);
		for (size_t j = i + 1; j < N(spec_chain); j++) {
			ck_assert_msg(cmp_str(spec_chain[i], spec_chain[j]) < 0, "%s < %s",
				      spec_chain[i], spec_chain[j]);
			ck_assert_msg(cmp_str(spec_chain[j], spec_chain[i]) > 0, "%s > %s",
				      spec_chain[j], spec_chain[i]);
		}
	}
}
END_TEST

START_TEST(test_greater)
{
	const struct pair *p = &greater_cases[_i];
	ck_assert_msg(cmp_str(p->a, p->b) > 0, "%s > %s", p->a, p->b);
	ck_assert_msg(cmp_str(p->b, p->a) < 0, "%s < %s", p->b, p->a);
	ck_assert_int_eq(cmp_str(p->a, p->a), 0);
}
END_TEST

START_TEST(test_equal)
{
	const struct pair *p = &equal_cases[_i];
	ck_assert_msg(cmp_str(p->a, p->b) == 0, "%s == %s", p->a, p->b);
	ck_assert_msg(cmp_str(p->b, p->a) == 0, "%s == %s", p->b, p->a);
}
END_TEST

/* Numeric prerelease identifiers compare exactly at any length (by length,
 * then digits).  npm converts them to floats, which makes these equal. */
START_TEST(test_exact_numeric_prerelease)
{
	ck_assert_int_gt(cmp_str("1.0.0-9007199254740993", "1.0.0-9007199254740992"), 0);
	ck_assert_int_gt(cmp_str("1.0.0-100000000000000000000001", "1.0.0-100000000000000000000000"), 0);
	ck_assert_int_lt(cmp_str("1.0.0-99999999999999999999", "1.0.0-100000000000000000000"), 0);
	ck_assert_int_lt(cmp_str("1.0.0-2", "1.0.0-10"), 0);
	ck_assert_int_lt(cmp_str("1.0.0-a10", "1.0.0-a2"), 0); /* ASCII order */
}
END_TEST

/* ---------------------------------------------------------------- ranges */

START_TEST(test_desugar)
{
	char *got = range_text(desugar_cases[_i].range);
	ck_assert_msg(got != NULL, "\"%s\" should be valid", desugar_cases[_i].range);
	ck_assert_msg(strcmp(got, desugar_cases[_i].desugared) == 0, "\"%s\": got \"%s\", want \"%s\"",
		      desugar_cases[_i].range, got, desugar_cases[_i].desugared);
	free(got);
}
END_TEST

START_TEST(test_invalid_range)
{
	char err[64] = "unchanged";
	ck_assert_msg(semver_range_parse(invalid_ranges[_i], err, sizeof err) == NULL,
		      "\"%s\" should be invalid", invalid_ranges[_i]);
	ck_assert_msg(err[0] != '\0' && strcmp(err, "unchanged") != 0, "no reason given");
	ck_assert_int_eq(semver_satisfies("1.2.3", invalid_ranges[_i]), 0);
}
END_TEST

START_TEST(test_include)
{
	const struct rv *c = &include_cases[_i];
	ck_assert_msg(semver_satisfies(c->version, c->range) == 1, "%s in %s", c->version, c->range);
}
END_TEST

START_TEST(test_exclude)
{
	const struct rv *c = &exclude_cases[_i];
	ck_assert_msg(semver_satisfies(c->version, c->range) == 0, "%s not in %s", c->version, c->range);
}
END_TEST

/* The prerelease rule through semver_range_test, as in the brief. */
START_TEST(test_prerelease_rule)
{
	ck_assert_int_eq(range_test_str(">=1.0.0", "1.2.3-alpha", SEMVER_STRICT), 0);
	ck_assert_int_eq(range_test_str(">=1.2.3-0", "1.2.3-alpha", SEMVER_STRICT), 1);
	ck_assert_int_eq(range_test_str("^1.2.3-beta.2", "1.2.3-beta.4", SEMVER_STRICT), 1);
	ck_assert_int_eq(range_test_str("^1.2.3-beta.2", "1.2.3-beta.1", SEMVER_STRICT), 0);
	ck_assert_int_eq(range_test_str("^1.2.3-beta.2", "1.2.4-beta.2", SEMVER_STRICT), 0);
	ck_assert_int_eq(range_test_str("^1.2.3-beta.2", "1.2.4", SEMVER_STRICT), 1);
	ck_assert_int_eq(range_test_str("^1.2.3", "2.0.0-rc.1", SEMVER_STRICT), 0);
	ck_assert_int_eq(range_test_str("* || 1.2.3-beta", "1.2.3-beta", SEMVER_STRICT), 0);
	ck_assert_int_eq(range_test_str(">=1.2.3-beta <1.2.3", "1.2.3-beta.1+b", SEMVER_STRICT), 1);
	ck_assert_int_eq(range_test_str("1.2.3-beta+x", "1.2.3-beta+y", SEMVER_STRICT), 1);
	ck_assert_int_eq(range_test_str("<2.0.0", "2.0.0-0", SEMVER_STRICT), 0);
	ck_assert_int_eq(range_test_str("<2.0.0-0", "1.9.9", SEMVER_NPM), 1);
	ck_assert_int_eq(range_test_str("", "1.2.3", SEMVER_NPM), 1);
	ck_assert_int_eq(range_test_str("", "1.2.3-0", SEMVER_NPM), 0);
}
END_TEST

START_TEST(test_satisfies_edges)
{
	ck_assert_int_eq(semver_satisfies("1.2.3", "1.2.3"), 1);
	ck_assert_int_eq(semver_satisfies(" v1.2.3 ", "1.2.3"), 1);   /* npm parse */
	ck_assert_int_eq(semver_satisfies("=1.2.3", "1.2.3"), 0);     /* not a version */
	ck_assert_int_eq(semver_satisfies("1.2", "1.x"), 0);
	ck_assert_int_eq(semver_satisfies("", "*"), 0);
	ck_assert_int_eq(semver_satisfies(NULL, "*"), 0);
	ck_assert_int_eq(semver_satisfies("1.2.3", NULL), 0);
	ck_assert_int_eq(semver_satisfies("9007199254740991.0.0", ">=9007199254740990"), 1);
	ck_assert_int_eq(semver_satisfies("1.2.3", "1.2.3 - 999999999999999999999"), 0);
	ck_assert_int_eq(semver_range_test(NULL, NULL), 0);
	semver_range_free(NULL);
}
END_TEST

START_TEST(test_range_format_api)
{
	char buf[10], err[1] = { 'x' };
	struct semver_range *r = semver_range_parse("^1.2.3 || 2.x", NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(semver_range_format(r, NULL, 0), 34);
	ck_assert_int_eq(semver_range_format(r, buf, sizeof buf), 34);
	ck_assert_str_eq(buf, ">=1.2.3 <");
	semver_range_free(r);
	/* A one-byte error buffer still ends up terminated. */
	ck_assert_ptr_null(semver_range_parse("bogus", err, sizeof err));
	ck_assert_int_eq(err[0], '\0');
	ck_assert_ptr_null(semver_range_parse(NULL, NULL, 0));
}
END_TEST

/* -------------------------------------------------------- hostile input */

/* Huge and repetitive input must neither crash nor go quadratic (Check's
 * per-test timeout catches the latter); expected values are npm's. */
START_TEST(test_hostile)
{
	/* len: npm's desugared length, -1 if invalid; sat: is 1.2.3 in it. */
	static const struct { const char *unit, *tail; size_t times; int len, sat; } cases[] = {
		{ "||", "", 5000, 0, 1 },
		{ "v", "", 10000, -1, 0 },
		{ "1 ", "", 5000, 16, 1 },
		{ "1", "", 10000, -1, 0 },
		{ ">=1.2.3 ", "", 2000, 7, 1 },
		{ "^1.2.3 || ", "^1.2.3", 2000, 36016, 1 },
		{ "a", "", 10000, -1, 0 },
		{ "a.", "a", 5000, -1, 0 },
		{ "+b", "", 5000, 0, 1 },
		{ "*", "", 10000, -1, 0 },
		{ "~ ", "1", 5000, -1, 0 },
		{ "x.", "x", 5000, -1, 0 },
		{ "v= ", "1.2.3", 5000, -1, 0 },
		{ "<", "1", 10000, -1, 0 },
		{ "1.", "1", 5000, -1, 0 },
		{ "- ", "1", 5000, -1, 0 },
		{ "1.2.3-a.", "0", 3000, -1, 0 },
		{ "<2 ", ">1", 3000, 16, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *s = repeat(cases[i].unit, cases[i].times, cases[i].tail);
		char *got = range_text(s);
		ck_assert_msg((got ? (int)strlen(got) : -1) == cases[i].len, "\"%s\" x %zu",
			      cases[i].unit, cases[i].times);
		ck_assert_int_eq(semver_satisfies("1.2.3", s), cases[i].sat);
		free(got);
		free(s);
	}
}
END_TEST

START_TEST(test_hostile_unique)
{
	char *s = malloc(2000 * 8), *t = malloc(2000 * 8);
	size_t n = 0, m = 0;
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 2000; i++) {
		n += (size_t)sprintf(s + n, "%s%d", i ? " " : "", i);
		m += (size_t)sprintf(t + m, "%s%d", i ? " || " : "", i);
	}
	char *a = range_text(s), *b = range_text(t);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(strlen(a), 43774);
	ck_assert_uint_eq(strlen(b), 45773);
	ck_assert_int_eq(semver_satisfies("1999.0.0", t), 1);
	ck_assert_int_eq(semver_satisfies("1999.0.0", s), 0);
	free(a);
	free(b);
	free(s);
	free(t);
}
END_TEST

static Suite *semver_suite(void)
{
	Suite *s = suite_create("semver");
	TCase *tc = tcase_create("versions");
	tcase_add_loop_test(tc, test_version_table, 0, N(version_cases));
	tcase_add_test(tc, test_version_fields);
	tcase_add_test(tc, test_version_limits);
	tcase_add_test(tc, test_version_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("precedence");
	tcase_add_test(tc, test_spec_chain);
	tcase_add_loop_test(tc, test_greater, 0, N(greater_cases));
	tcase_add_loop_test(tc, test_equal, 0, N(equal_cases));
	tcase_add_test(tc, test_exact_numeric_prerelease);
	suite_add_tcase(s, tc);
	tc = tcase_create("ranges");
	tcase_add_loop_test(tc, test_desugar, 0, N(desugar_cases));
	tcase_add_loop_test(tc, test_invalid_range, 0, N(invalid_ranges));
	tcase_add_loop_test(tc, test_include, 0, N(include_cases));
	tcase_add_loop_test(tc, test_exclude, 0, N(exclude_cases));
	tcase_add_test(tc, test_prerelease_rule);
	tcase_add_test(tc, test_satisfies_edges);
	tcase_add_test(tc, test_range_format_api);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_hostile_unique);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(semver_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
