#!/bin/sh
# md2man.sh IN.md OUT.1 -- converts a command page of docs/cmd/ to man(7).
#
# The pages are written in a small Markdown subset that reads well as plain
# text (they are also the --help text); this script understands exactly it:
#
#   # name(1)             first non-blank line: the title -> .TH NAME 1 ...
#   ## SECTION            -> .SH SECTION        ### Subsection -> .SS
#   term                  an unindented line directly followed by a line
#       description       indented by 4 spaces -> .TP; terms starting with
#                         '-' are options: flags bold, values italic
#                         (further paragraphs of the description are also
#                         indented by 4; lines indented by 8 are code)
#   text                  paragraphs, separated by blank lines -> .PP
#   - item, 1. item       list items -> .IP
#       code              indented by 4 outside a description -> .nf/.fi
#   ```                   fenced code (inside a description when the fence
#                         is indented by 4) -> .nf/.fi
#   `code`                inline code -> bold
#
# Roff specials are escaped: backslashes, '-' (as \- so that options can be
# copied), '.' and '\'' at the start of a line. Anything else is text.
# The date is taken from SOURCE_DATE_EPOCH when set (reproducible builds),
# the version from BT_VERSION or BENCHTRACK_VERSION in include/benchtrack.h.
#
# OUT.1 may be '-' for stdout; otherwise it is replaced atomically. Exit
# status: 0, 1 on a conversion error (message on stderr), 2 on bad usage.
# POSIX sh and awk only.

set -u

me=md2man.sh
if [ $# -ne 2 ]; then
	echo "usage: $me IN.md OUT.1   (OUT.1 may be - for stdout)" >&2
	exit 2
fi
in=$1
out=$2
if [ ! -f "$in" ] || [ ! -r "$in" ]; then
	echo "$me: cannot read '$in'" >&2
	exit 1
fi

# --- version and date ------------------------------------------------------
version=${BT_VERSION:-}
if [ -z "$version" ]; then
	top=$(dirname "$0")/..
	if [ -f "$top/include/benchtrack.h" ]; then
		version=$(sed -n 's/^#define BENCHTRACK_VERSION "\([0-9.]*\)".*/\1/p' \
			"$top/include/benchtrack.h" | head -n 1)
	fi
fi
case $version in
*[!0-9A-Za-z.+~-]*) version= ;; # anything odd: leave it out
esac

date=
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d 2>/dev/null ||
	       date -u -r "$SOURCE_DATE_EPOCH" +%Y-%m-%d 2>/dev/null)
fi
[ -n "$date" ] || date=$(date -u +%Y-%m-%d)

src=$(basename "$in")

# --- conversion --------------------------------------------------------------
convert() {
	awk -v src="$src" -v date="$date" -v version="$version" -v sq="'" '
function warn(ln, msg) {
	printf "%s:%d: %s\n", src, ln, msg > "/dev/stderr"
}

# Number of leading spaces of s.
function indent(s,    n) {
	n = match(s, /^ */)
	return RLENGTH
}

function blank(s) { return s ~ /^ *$/ }

function ltrim(s) { sub(/^ +/, "", s); return s }

# Text escaped for roff: backslash -> \e, "-" -> \-.
function esc(s,    out, i, c, n) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\")
			out = out "\\e"
		else if (c == "-")
			out = out "\\-"
		else
			out = out c
	}
	return out
}

# Text with `code` spans in bold; an unmatched backtick stays as it is.
function inl(s,    out, p, q, rest) {
	out = ""
	rest = s
	while ((p = index(rest, "`")) > 0) {
		q = index(substr(rest, p + 1), "`")
		if (q == 0)
			break
		out = out esc(substr(rest, 1, p - 1)) "\\fB" \
		      esc(substr(rest, p + 1, q - 1)) "\\fR"
		rest = substr(rest, p + q + 1)
	}
	return out esc(rest)
}

# A term: "-o FILE, --out FILE" -> flags bold, values italic; any other
# term bold as a whole (inline code as such).
function term(s,    n, i, w, sep, out, parts, eq) {
	s = ltrim(s)
	sub(/ +$/, "", s)
	if (index(s, "`") > 0)
		return inl(s)
	if (substr(s, 1, 1) != "-")
		return "\\fB" esc(s) "\\fR"
	n = split(s, parts, " ")
	out = ""
	for (i = 1; i <= n; i++) {
		w = parts[i]
		sep = ""
		if (w ~ /,$/) {
			w = substr(w, 1, length(w) - 1)
			sep = ","
		}
		if (w == "") {
			out = out sep
		} else if (substr(w, 1, 1) == "-") {
			eq = index(w, "=")
			if (eq > 0)
				out = out "\\fB" esc(substr(w, 1, eq)) "\\fI" \
				      esc(substr(w, eq + 1)) "\\fR" sep
			else
				out = out "\\fB" esc(w) "\\fR" sep
		} else if (w ~ /^[][|.]+$/) {
			out = out esc(w) sep
		} else {
			out = out "\\fI" esc(w) "\\fR" sep
		}
		if (i < n)
			out = out " "
	}
	return out
}

# Prints one output text line, protecting a leading control character;
# "e.g." at the end of a line does not end a sentence.
function emit(s,    c) {
	c = substr(s, 1, 1)
	if (c == "." || c == sq)
		s = "\\&" s
	if (s ~ /(^|[^A-Za-z])(e\.g|i\.e)\.$/)
		s = s "\\&"
	print s
}

# Prints lines a..b of L as no-fill code, each without its first `strip`
# columns of indentation.
function code(a, b, strip,    j, s) {
	print ".nf"
	for (j = a; j <= b; j++) {
		s = L[j]
		if (indent(s) >= strip)
			s = substr(s, strip + 1)
		else
			s = ltrim(s)
		sub(/ +$/, "", s)
		if (s == "")
			print "\\&"
		else
			emit(esc(s))
	}
	print ".fi"
}

# Code inside the description of a term: at the margin of the description
# plus 4.
function defcode(a, b, strip) {
	print ".sp"
	print ".RS"
	print ".RS 4"
	code(a, b, strip)
	print ".RE"
	print ".RE"
}

# The last line of the block indented by at least min that starts at line
# a: blank lines belong to it when a line indented by min follows them.
function block_end(a, min,    e, f) {
	for (e = a; e < n; e++) {
		if (blank(L[e + 1])) {
			for (f = e + 1; f <= n && blank(L[f]); f++)
				;
			if (f > n || indent(L[f]) < min)
				break
		} else if (indent(L[e + 1]) < min) {
			break
		}
	}
	return e
}

# Index of the closing fence of the fence opened at line a (n + 1 when
# none: an error reported by the caller).
function fence_end(a,    j) {
	for (j = a + 1; j <= n; j++)
		if (L[j] ~ /^ *```+ *$/)
			return j
	return n + 1
}

{
	s = $0
	sub(/\r$/, "", s)
	gsub(/\t/, "    ", s)
	L[++n] = s
}

END {
	status = 0
	i = 1
	while (i <= n && blank(L[i]))
		i++
	t = i <= n ? L[i] : ""
	if (t !~ /^# *[A-Za-z0-9_.+-]+\([0-9][A-Za-z0-9]*\) *$/) {
		warn(i <= n ? i : 1, "the first line must be a title \"# name(section)\"")
		exit 1
	}
	sub(/^# */, "", t)
	sub(/ *$/, "", t)
	p = index(t, "(")
	name = toupper(substr(t, 1, p - 1))
	section = substr(t, p + 1, length(t) - p - 1)
	printf ".\\\" Generated from %s by scripts/md2man.sh: do not edit.\n", esc(src)
	printf ".TH \"%s\" \"%s\" \"%s\" \"%s\" \"%s\"\n", esc(name), section,
	       date, "benchtrack" (version != "" ? " " version : ""),
	       "benchtrack manual"
	print ".ad l"
	print ".nh"

	# State: par = inside a text paragraph (or list item) at top level;
	# def = inside the description of a term; dpar = inside a paragraph of
	# that description; head = right after a heading; gap = a blank line
	# was seen since the last text.
	par = 0; def = 0; dpar = 0; head = 0; gap = 0; list = 0
	for (i++; i <= n; i++) {
		s = L[i]
		if (blank(s)) {
			gap = 1
			par = 0
			dpar = 0
			continue
		}
		ind = indent(s)

		# fenced code
		if (s ~ /^ *```/) {
			e = fence_end(i)
			if (e > n) {
				warn(i, "code fence not closed")
				status = 1
			}
			if (def && ind >= 4) {
				defcode(i + 1, e - 1, ind)
				i = e
				dpar = 0
				gap = 1 # text after it needs a new .IP
				continue
			} else {
				if (!head)
					print ".PP"
				def = 0
				print ".RS 4"
				code(i + 1, e - 1, ind)
				print ".RE"
			}
			i = e
			par = dpar = head = gap = list = 0
			continue
		}

		# headings
		if (ind == 0 && s ~ /^#+ /) {
			h = s
			sub(/^#+ +/, "", h)
			sub(/ *#* *$/, "", h)
			h = esc(h)
			gsub(/"/, "\\(dq", h)
			print (s ~ /^###/ ? ".SS" : ".SH") " \"" h "\""
			par = def = dpar = gap = list = 0
			head = 1
			continue
		}

		if (ind >= 4 && def) {
			if (ind >= 8) {
				# code inside a description
				e = block_end(i, 8)
				defcode(i, e, 8)
				i = e
				dpar = 0
				gap = 1 # text after it needs a new .IP
				continue
			}
			# description text
			if (!dpar && gap)
				print ".IP"
			emit(inl(ltrim(s)))
			dpar = 1
			gap = 0
			continue
		}

		if (ind >= 4 && list && !gap) {
			emit(inl(ltrim(s))) # continuation of a list item
			continue
		}

		if (ind >= 4) {
			# code at top level: up to the next unindented text
			e = block_end(i, 4)
			if (!head)
				print ".PP"
			print ".RS 4"
			code(i, e, 4)
			print ".RE"
			i = e
			par = head = gap = list = 0
			continue
		}

		# unindented (or less than 4 spaces)
		s = ltrim(s)
		sub(/ +$/, "", s)
		bullet = s ~ /^[-*+] +/ || s ~ /^[0-9]+[.)] +/
		if (!par && !bullet && i < n && !blank(L[i + 1]) &&
		    indent(L[i + 1]) >= 4) {
			# a term: its description follows on the next lines
			print ".TP"
			emit(term(s))
			def = 1
			par = dpar = head = gap = list = 0
			continue
		}
		if (bullet) {
			m = s
			if (s ~ /^[-*+] +/) {
				sub(/^[-*+] +/, "", m)
				print ".IP \\(bu 2"
			} else {
				match(s, /^[0-9]+[.)]/)
				print ".IP " substr(s, 1, RLENGTH) " 4"
				sub(/^[0-9]+[.)] +/, "", m)
			}
			emit(inl(m))
			def = dpar = head = gap = 0
			par = list = 1
			continue
		}
		if (!par) {
			if (!head || def || list)
				print ".PP"
			def = list = 0
		}
		emit(inl(s))
		par = 1
		head = gap = 0
	}
	exit status
}' "$in"
}

if [ "$out" = - ]; then
	convert
	exit $?
fi
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT HUP INT TERM
if convert >"$tmp"; then
	mv -f "$tmp" "$out" || exit 1
	trap - EXIT HUP INT TERM
	exit 0
fi
exit 1
