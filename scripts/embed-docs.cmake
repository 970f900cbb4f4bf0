# Generates a C file with the text of docs/cmd/*.md (the --help text) and
# one lookup function over them:
#   const char *FUNC(const char *name);   /* the page, or NULL */
# cmake -DOUT=FILE -DDOCS_DIR=DIR -DFUNC=NAME [-DONLY=a;b] [-DEXCLUDE=a;b] -P
# ONLY keeps just the pages named, EXCLUDE leaves the pages named out (names
# without .md): the runner of every benchmark executable carries run.md
# only, the benchtrack tool the others.
cmake_minimum_required(VERSION 3.18)
file(GLOB docs ${DOCS_DIR}/*.md)
list(SORT docs)
set(out "/* generated from docs/cmd/ by scripts/embed-docs.cmake */\n#include <stddef.h>\n#include <string.h>\n\nconst char *${FUNC}(const char *name);\n\nstatic const struct { const char *name; const char *text; } docs[] = {\n")
foreach(d ${docs})
  get_filename_component(n ${d} NAME_WE)
  if(DEFINED ONLY AND NOT n IN_LIST ONLY)
    continue()
  endif()
  if(DEFINED EXCLUDE AND n IN_LIST EXCLUDE)
    continue()
  endif()
  file(READ ${d} text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n\"" text "${text}")
  string(APPEND out "{\"${n}\", \"${text}\"},\n")
endforeach()
string(APPEND out "{NULL, NULL}\n};\n\nconst char *${FUNC}(const char *name)\n{\n\tfor (size_t i = 0; docs[i].name; i++)\n\t\tif (strcmp(docs[i].name, name) == 0)\n\t\t\treturn docs[i].text;\n\treturn NULL;\n}\n")
file(WRITE ${OUT}.tmp "${out}")
file(RENAME ${OUT}.tmp ${OUT})
