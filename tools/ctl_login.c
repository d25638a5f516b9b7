/* osfsctl login: stores the catalog's token (and URL) in
 * ~/.objectstack/cloud.json for osfsctl publish, and the helpers that read
 * them back.  The token is read from stdin (without echo on a terminal),
 * written to a 0600 file atomically, and never printed. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "tools/ctl.h"

#define TOKEN_MAX 4096
#define SETTINGS_MAX 65536

/* What cloud.json holds. */
struct settings {
	char *url, *token;
	int insecure;       /* the mode lets others read it, or it is not ours */
	char why[600];      /* then: the sentence saying so */
};

void ctl_forget(char *secret)
{
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

static int home_dir(char *out, size_t len)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home) {
		ctl_err("cannot find your home directory: set HOME");
		return -ENOENT;
	}
	snprintf(out, len, "%s/.objectstack", home);
	return 0;
}

static char *dup_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && v->valuestring[0] ? strdup(v->valuestring) : NULL;
}

/* Whether others can read the file: its token must then not be used (it
 * may have been seen), as ssh does with a private key. */
static void check_mode(const struct stat *st, const char *path, struct settings *s)
{
	if (st->st_uid != getuid()) {
		s->insecure = 1;
		snprintf(s->why, sizeof(s->why), "%s belongs to another user (uid %u): its token is not used", path,
			 (unsigned)st->st_uid);
	} else if (st->st_mode & 077) {
		s->insecure = 1;
		snprintf(s->why, sizeof(s->why),
			 "%s can be read by other users (mode %04o): its token is not used; "
			 "run 'chmod 600 %s' (and, as it may have been seen, get a new token and run 'osfsctl login')",
			 path, (unsigned)(st->st_mode & 07777), path);
	}
}

/* Reads cloud.json; a missing file is no settings.  Returns 0 or -errno
 * (after saying why, unless quiet: login replaces a broken file). */
static int load_settings(const char *path, int quiet, struct settings *s)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = errno;
	FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
	if (f && fstat(fd, &st) < 0) {
		e = errno;
		fclose(f);
		f = NULL;
	} else if (!f && fd >= 0) {
		e = errno;
		close(fd);
	}
	if (!f) {
		if (e == ENOENT)
			return 0;
		if (!quiet)
			ctl_err("cannot read %s: %s", path, strerror(e));
		return -e;
	}
	check_mode(&st, path, s);
	size_t cap = SETTINGS_MAX;
	data = malloc(cap + 1);
	if (data)
		len = fread(data, 1, cap + 1, f);
	fclose(f);
	cJSON *j = data && len <= cap ? cJSON_ParseWithLength(data, len) : NULL;
	if (data)
		explicit_bzero(data, len);
	free(data);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		if (!quiet)
			ctl_err("%s is not a settings file (a JSON object with \"url\" and \"token\"): run 'osfsctl login' again", path);
		return -EINVAL;
	}
	s->url = dup_member(j, "url");
	s->token = dup_member(j, "token");
	cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
	if (cJSON_IsString(t))
		explicit_bzero(t->valuestring, strlen(t->valuestring));
	cJSON_Delete(j);
	return 0;
}

static void free_settings(struct settings *s)
{
	free(s->url);
	ctl_forget(s->token);
	s->url = s->token = NULL;
}

int ctl_url_ok(const char *url)
{
	if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8))
		return 1;
	ctl_err("'%s' is not a catalog URL: it must start with http:// or https://", url);
	return 0;
}

static char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? strdup(v) : NULL;
}

int ctl_cloud(const char *url_opt, char **url, char **token)
{
	char dir[4096], path[4200];
	struct settings s = { 0 };
	*url = url_opt ? strdup(url_opt) : env("OS_CLOUD_URL");
	if (token)
		*token = env("OS_CLOUD_API_KEY");
	if ((!*url || (token && !*token)) && home_dir(dir, sizeof(dir)) == 0) {
		snprintf(path, sizeof(path), "%s/cloud.json", dir);
		if (load_settings(path, 0, &s) < 0)
			goto fail;
		if (!*url && s.url)
			*url = strdup(s.url);
		if (token && !*token && s.token) {
			if (s.insecure) {
				ctl_err("%s", s.why);
				goto fail;
			}
			*token = strdup(s.token);
		}
	}
	free_settings(&s);
	if (!*url) {
		ctl_err("no catalog URL: pass --url URL, set OS_CLOUD_URL, or run 'osfsctl login --url URL'");
		goto fail;
	}
	if (!ctl_url_ok(*url))
		goto fail;
	if (token && !*token) {
		ctl_err("no token for the catalog at %s: set OS_CLOUD_API_KEY, or run 'osfsctl login'", *url);
		goto fail;
	}
	return CTL_OK;
fail:
	free_settings(&s);
	free(*url);
	*url = NULL;
	if (token) {
		ctl_forget(*token);
		*token = NULL;
	}
	return CTL_FAIL;
}

/* ------------------------------------------------------------ reading */

static struct termios saved_tty;

/* Ctrl-C at the prompt must not leave the terminal without echo. */
static void restore_tty(int sig)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int echo_off(void)
{
	struct termios quiet;
	if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return -errno;
	quiet = saved_tty;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL; /* the Enter still shows, so the next line starts fresh */
	struct sigaction sa = { .sa_handler = restore_tty };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0 ? -errno : 0;
}

static void echo_on(void)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

/* One line, byte by byte with read(2): stdio would keep a copy of the
 * token in its buffer, and the rest of a pipe is not ours to consume. */
static int read_line(char *out, size_t len)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0 || c == '\n')
			break;
		if (n + 1 >= len)
			return -E2BIG;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* Leading and trailing blanks (a pasted token often has some) go. */
static void trim(char *s)
{
	size_t a = strspn(s, " \t\r"), n = strlen(s);
	while (n > a && strchr(" \t\r", s[n - 1]))
		n--;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
}

static int read_token(const char *url, char *tok, size_t len)
{
	int tty = isatty(STDIN_FILENO), rc;
	if (tty) {
		fprintf(stderr, "Token for %s (not shown): ", url ? url : "the catalog");
		fflush(stderr);
		if ((rc = echo_off()) < 0) {
			ctl_err("cannot turn off echo on the terminal: %s", strerror(-rc));
			return rc;
		}
	}
	rc = read_line(tok, len);
	if (tty)
		echo_on();
	trim(tok);
	for (const char *p = tok; rc == 0 && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			rc = -EINVAL;
	if (rc == -E2BIG)
		ctl_err("the token is longer than %d bytes: nothing was stored", TOKEN_MAX);
	else if (rc == -EINVAL)
		ctl_err("the token has control characters in it: nothing was stored");
	else if (rc < 0)
		ctl_err("cannot read the token from stdin: %s", strerror(-rc));
	else if (!*tok) {
		ctl_err("no token given on stdin: nothing was stored");
		rc = -ENODATA;
	}
	return rc;
}

/* ------------------------------------------------------------ writing */

static char *settings_json(const char *url, const char *token)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *t = NULL;
	char *text = NULL;
	if (j && (!url || cJSON_AddStringToObject(j, "url", url)) && (t = cJSON_AddStringToObject(j, "token", token)))
		text = cJSON_Print(j);
	if (t)
		explicit_bzero(t->valuestring, strlen(t->valuestring));
	cJSON_Delete(j);
	return text;
}

/* A 0600 temporary file in the same folder, renamed over cloud.json: a
 * reader sees the old file or the new one, and never a readable token. */
static int write_settings(const char *dir, const char *path, const char *url, const char *token)
{
	char tmp[4300];
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		ctl_err("cannot create %s: %s", dir, strerror(e));
		return -e;
	}
	snprintf(tmp, sizeof(tmp), "%s/.cloud.json.XXXXXX", dir);
	int fd = mkstemp(tmp); /* mode 0600 from the start */
	if (fd < 0) {
		int e = errno;
		ctl_err("cannot create a file in %s: %s", dir, strerror(e));
		return -e;
	}
	char *text = settings_json(url, token);
	int rc = text ? 0 : -ENOMEM;
	if (!rc && fchmod(fd, 0600) < 0)
		rc = -errno;
	if (!rc)
		rc = ctl_write_all(fd, text, strlen(text));
	if (!rc)
		rc = ctl_write_all(fd, "\n", 1);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (text)
		explicit_bzero(text, strlen(text));
	cJSON_free(text);
	if (rc < 0) {
		unlink(tmp);
		ctl_err("cannot write %s: %s", path, strerror(-rc));
	}
	return rc;
}

int ctl_login(int argc, char **argv)
{
	const char *url_opt = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--url")))
			url_opt = v;
		else {
			ctl_err("usage: osfsctl login [--url URL]   (the token is read from stdin)");
			return CTL_USAGE;
		}
	}
	char dir[4096], path[4200], tok[TOKEN_MAX + 2];
	struct settings old = { 0 };
	if (home_dir(dir, sizeof(dir)) < 0)
		return CTL_FAIL;
	snprintf(path, sizeof(path), "%s/cloud.json", dir);
	char *url = url_opt ? strdup(url_opt) : env("OS_CLOUD_URL");
	if (!url && load_settings(path, 1, &old) == 0 && old.url) /* keep the URL stored before */
		url = strdup(old.url);
	free_settings(&old);
	int rc = url && !ctl_url_ok(url) ? -EINVAL : read_token(url, tok, sizeof(tok));
	if (rc == 0)
		rc = write_settings(dir, path, url, tok);
	explicit_bzero(tok, sizeof(tok));
	if (rc == 0 && url)
		printf("token for %s stored in %s\n", url, path);
	else if (rc == 0)
		printf("token stored in %s (no URL: pass --url to publish, or set OS_CLOUD_URL)\n", path);
	free(url);
	return rc ? CTL_FAIL : CTL_OK;
}
