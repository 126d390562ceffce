/* hotline.c — the `hotline` command: global options (-c, --json, --help,
 * --version, allowed before or after the command) and the subcommand table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define HOTLINE_VERSION "0.1.0"

typedef struct {
	const char *name;
	int (*run)(const hl_cli *cli, int argc, char **argv);
	const char *args;
	const char *summary;
	int own_usage; /* prints its usage itself on a usage error */
} command;

static const command commands[] = {
	{ "status", hl_cmd_status, "[--json]", "show the station and the state of every line", 0 },
	{ "send", hl_cmd_send, "PEER [-p flash|immediate|priority|routine] [--lang TAG] [--exercise] [--reply-to ENTRY] [--file FILE] [TEXT|-]",
	  "send a message (TEXT, or standard input); prints its entry id", 0 },
	{ "notice", hl_cmd_notice,
	  "PEER FORM FIELD=VALUE... [-p flash|immediate|priority|routine] [--reply-to ENTRY] [--lang TAG] [--exercise]",
	  "send a notice: a form filled and checked field by field; prints its entry id", 0 },
	{ "forms", hl_cmd_forms, "[FORM] [--json]", "list the notice forms and their fields", 0 },
	{ "attachment", hl_cmd_attachment, "ENTRY [-o FILE]",
	  "write an entry's attachment to FILE (or standard output)", 0 },
	{ "inbox", hl_cmd_inbox, "[--unacked] [--json]", "show the entries received from peers", 0 },
	{ "ack", hl_cmd_ack, "ENTRY [--note TEXT] [--json]",
	  "acknowledge a peer's message, notice or check-in (ENTRY as inbox shows it)", 0 },
	{ "log", hl_cmd_log, "PEER [--format text|json] [--json]", "show a line's transcript, both sides", 0 },
	{ "export", hl_cmd_export, "PEER [--from SEQ|TIME] [--to SEQ|TIME] [--proof] [-o FILE]",
	  "write the line's transcript file (.hlt), or an equivocation proof", 0 },
	{ "report", hl_cmd_report, "PEER [--since TIME|DURATION] [--svg FILE] [--json]",
	  "show a line's availability, outages, link tests and round trips", 0 },
	{ "test", hl_cmd_test, "PEER [--json]", "test the line to PEER now and show the round trip",
	  0 },
	{ "translate", hl_cmd_translate, "ENTRY --lang TAG [TEXT|-]",
	  "attach a translation to an entry (this station's records only); prints its number", 0 },
	{ "certify", hl_cmd_certify, "ID [--json]",
	  "certify another operator's translation ID after review", 0 },
	{ "keygen", hl_cmd_keygen, "[-o FILE] [--passphrase [--passphrase-fd N]]",
	  "generate a station private key", 1 },
	{ "pubkey", hl_cmd_pubkey, "[-f FILE] [--passphrase-fd N]",
	  "print the public key of a private key", 1 },
	{ "verify", hl_cmd_verify, "FILE [--against OTHER] [--keys A,B] [--json] [--quiet]",
	  "check an exported transcript offline: signatures, chains, receipts", 1 },
	{ "handover", hl_cmd_handover, "[--since TIME|DURATION] [--json]",
	  "what the next shift needs: alarms, unacknowledged, replies due, outages", 0 },
	{ "doctor", hl_cmd_doctor, "[--no-handshake] [--json]",
	  "check the station: config, key files, state dir, clock, daemon, peers", 0 },
	{ "console", hl_cmd_console, "",
	  "the operator screen: lines, inbox, acks, compose, alarms (live)", 0 },
	{ "help", NULL, "[COMMAND]", "show this help, or a command's", 0 },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hotline [-c FILE] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\noptions:\n"
		   "  -c FILE    configuration file (default: $HOTLINE_CONFIG, else %s)\n"
		   "  --json     print the daemon's replies as JSON\n"
		   "  --help     show help (also: hotline COMMAND --help)\n"
		   "  --version  print the version\n",
		   HL_DEFAULT_CONFIG);
}

static void command_usage(FILE *f, const command *c)
{
	fprintf(f, "usage: hotline [-c FILE] [--json] %s %s\n", c->name, c->args);
}

static void command_help(const command *c)
{
	command_usage(stdout, c);
	printf("\n%s.\n", c->summary);
	if (strcmp(c->name, "send") == 0)
		printf("\nWithout TEXT, or with '-', the message is read from standard input.\n"
		       "Text must be valid UTF-8, 1 to 61440 bytes. Precedence defaults to\n"
		       "routine, the language tag to the daemon's default (en). --exercise\n"
		       "marks it as an exercise, printed as such on every view. --reply-to\n"
		       "ENTRY (e.g. moscow#3) makes it a reply that names the entry it answers.\n"
		       "--file FILE attaches a file of up to 100 MiB (a map, a chart, a document):\n"
		       "it is uploaded to hotlined, then sent to the peer in chunks behind any\n"
		       "waiting message; with --file, TEXT is optional.\n"
		       "Until the peer's HELLO has confirmed this station's record since hotlined\n"
		       "started, the message is queued unsigned (no id printed; it says so) and\n"
		       "signed and sent, in order, right after that HELLO.\n");
	if (strcmp(c->name, "attachment") == 0)
		printf("\nENTRY is AUTHOR#SEQ (moscow#12), with @PEER if needed, or an entry id\n"
		       "prefix of at least 8 hex digits. Refused while the attachment is still\n"
		       "arriving; the content's hash is checked again before FILE is written.\n");
	if (strcmp(c->name, "inbox") == 0)
		printf("\n--unacked lists only the peers' entries still waiting for an\n"
		       "acknowledgement from this station, most urgent first (overdue, then\n"
		       "precedence, then deadline).\n");
	if (strcmp(c->name, "ack") == 0)
		printf("\nENTRY is AUTHOR#SEQ (e.g. moscow#3), or an id of at least 8 hex digits.\n"
		       "Writes a signed ACK naming you as the operator; --note adds a text.\n"
		       "Refused for this station's own entries, for kinds that need no\n"
		       "acknowledgement, and for entries already acknowledged.\n");
	if (strcmp(c->name, "console") == 0)
		printf("\nA full-screen view for the station's watch, updated live from the\n"
		       "daemon: every line's state, path, RTT and alarms; the inbox with\n"
		       "precedence colours and ack countdowns. Keys: Up/Down select, Enter\n"
		       "open, a acknowledge, c compose, r refresh, ? help, q quit. A new\n"
		       "FLASH or an overdue ack rings the bell and shows a red banner.\n"
		       "Works in 80x24 and in any UTF-8 locale.\n");
	if (strcmp(c->name, "notice") == 0)
		printf("\nFORM is a form name ('hotline forms' lists them with their fields);\n"
		       "each FIELD=VALUE fills one field. hotlined checks every value (type,\n"
		       "range, required) and refuses the notice naming the field. A form that\n"
		       "answers another (call-reply) needs --reply-to ENTRY, the notice it\n"
		       "answers (e.g. moscow#3). --lang names the language of the text fields.\n");
	if (strcmp(c->name, "translate") == 0)
		printf("\nENTRY is AUTHOR#SEQ[@PEER] or an id prefix of 8+ hex digits. Without\n"
		       "TEXT, or with '-', the translation is read from standard input. It is\n"
		       "kept in this station's records only: never sent, not in exports. The\n"
		       "original stays authoritative; another operator certifies it.\n");
	if (strcmp(c->name, "certify") == 0)
		printf("\nID is the number 'hotline translate' printed. The translator cannot\n"
		       "certify their own translation; a translation is certified once.\n");
	printf("\nSee hotline(1).\n");
}

typedef struct {
	hl_cli cli;
	int help;
	int version;
	int argc;     /* what is left for the command, command name first */
	char **argv;
} parsed;

/* Takes the global options out of argv wherever they are, up to a "--"
 * (after which everything belongs to the command). Returns 0, 1 or 2. */
static int parse_globals(int argc, char **argv, parsed *p)
{
	int dashdash = 0;

	p->argv = calloc((size_t)argc + 1, sizeof *p->argv);
	if (!p->argv) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-') {
			p->argv[p->argc++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			dashdash = 1;
			p->argv[p->argc++] = argv[i];
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hotline: option %s needs a FILE\n", a);
				return 2;
			}
			p->cli.config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			p->cli.config_path = a + 9;
		} else if (a[1] == 'c') { /* -cFILE */
			p->cli.config_path = a + 2;
		} else if (strcmp(a, "--json") == 0) {
			p->cli.json = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			p->help = 1;
		} else if (strcmp(a, "--version") == 0) {
			p->version = 1;
		} else {
			p->argv[p->argc++] = argv[i]; /* the command's own option */
		}
	}
	if (p->cli.config_path && p->cli.config_path[0] == '\0') {
		fprintf(stderr, "hotline: -c needs a non-empty FILE\n");
		return 2;
	}
	if (!p->cli.config_path) {
		const char *env = getenv("HOTLINE_CONFIG");
		if (env && env[0])
			p->cli.config_path = env;
	}
	return 0;
}

/* stdout may be a pipe or a full disk: a lost entry id must not look like success. */
static int finish(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "hotline: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	parsed p;
	const command *c;
	int status;

	memset(&p, 0, sizeof p);
	status = parse_globals(argc, argv, &p);
	if (status != 0) {
		if (status == 2)
			usage(stderr);
		goto out;
	}
	if (p.version && p.argc == 0) {
		printf("hotline %s\n", HOTLINE_VERSION);
		goto out;
	}
	if (p.argc == 0) {
		usage(p.help ? stdout : stderr);
		status = p.help ? 0 : 2;
		goto out;
	}
	c = find_command(p.argv[0]);
	if (!c) {
		if (p.argv[0][0] == '-')
			fprintf(stderr, "hotline: unknown option '%s'\n", p.argv[0]);
		else
			fprintf(stderr, "hotline: unknown command '%s'\n", p.argv[0]);
		usage(stderr);
		status = 2;
		goto out;
	}
	if (!c->run) { /* help [COMMAND] */
		const command *about = p.argc > 1 ? find_command(p.argv[1]) : NULL;
		if (p.argc > 2 || (p.argc == 2 && !about)) {
			fprintf(stderr, "hotline: help: no command '%s'\n", p.argv[p.argc - 1]);
			usage(stderr);
			status = 2;
		} else if (about && about->run) {
			command_help(about);
		} else {
			usage(stdout);
		}
		goto out;
	}
	if (p.help || p.version) {
		if (p.help)
			command_help(c);
		else
			printf("hotline %s\n", HOTLINE_VERSION);
		goto out;
	}
	status = c->run(&p.cli, p.argc, p.argv);
	if (status == 2) {
		if (!c->own_usage)
			command_usage(stderr, c);
		fprintf(stderr, "Try 'hotline %s --help'.\n", c->name);
	}
out:
	free(p.argv);
	return finish(status);
}
