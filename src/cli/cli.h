/* cli.h — the `hotline` command's subcommand table: one file per subcommand
 * (cmd_NAME.c), each a function returning the exit status
 * (0 success, 1 failure explained on stderr, 2 usage error). */
#ifndef HL_CLI_H
#define HL_CLI_H

#include "client/client.h" /* hl_cli: the options every command takes */

/* argv[0] is the subcommand name; options after it are the command's own. */
int hl_cmd_keygen(const hl_cli *cli, int argc, char **argv);
int hl_cmd_pubkey(const hl_cli *cli, int argc, char **argv);
int hl_cmd_status(const hl_cli *cli, int argc, char **argv);
int hl_cmd_send(const hl_cli *cli, int argc, char **argv);
int hl_cmd_inbox(const hl_cli *cli, int argc, char **argv);
int hl_cmd_log(const hl_cli *cli, int argc, char **argv);
int hl_cmd_verify(const hl_cli *cli, int argc, char **argv);
int hl_cmd_export(const hl_cli *cli, int argc, char **argv);
int hl_cmd_report(const hl_cli *cli, int argc, char **argv);
int hl_cmd_test(const hl_cli *cli, int argc, char **argv);
int hl_cmd_doctor(const hl_cli *cli, int argc, char **argv);
int hl_cmd_attachment(const hl_cli *cli, int argc, char **argv);

/* cmd_attachment.c, for send --file: hashes the file and uploads it to
 * hotlined for peer; hex gets its hash. 0, or 1 after saying why. */
int hl_attach_upload(const hl_cli *cli, const char *peer, const char *path, char hex[65]);
int hl_cmd_ack(const hl_cli *cli, int argc, char **argv);
int hl_cmd_handover(const hl_cli *cli, int argc, char **argv);
int hl_cmd_console(const hl_cli *cli, int argc, char **argv);
int hl_cmd_notice(const hl_cli *cli, int argc, char **argv);   /* cmd_notice.c */
int hl_cmd_forms(const hl_cli *cli, int argc, char **argv);    /* cmd_notice.c */
int hl_cmd_translate(const hl_cli *cli, int argc, char **argv); /* cmd_translate.c */
int hl_cmd_certify(const hl_cli *cli, int argc, char **argv);  /* cmd_translate.c */

#endif
