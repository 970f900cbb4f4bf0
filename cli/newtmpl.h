/* The suite templates of `benchtrack new` (cli/newtmpl.c). */
#ifndef BENCHTRACK_CLI_NEWTMPL_H
#define BENCHTRACK_CLI_NEWTMPL_H

/* The C file of a new suite of kind "kernel" or "inference", with "@NAME@"
 * where the suite's name goes; NULL for another kind. Static. */
const char *cli_new_template(const char *kind);

#endif
