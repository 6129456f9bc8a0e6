/*
 * ctl-image.h: the imaging commands of faxhubctl.
 *
 *	convert [--fine|--normal] [--g4|--g3] [--letter] [--keep-coding]
 *	    [--timeout SECONDS] [--pdf OUT.pdf] [--preview OUT.png]
 *	    -o OUT.tif INPUT...
 *	topdf IN.tif OUT.pdf
 *
 * argv[0] is the command name.  Both print what they did on stdout and the
 * sender's message on stderr when an input is refused.  They return the
 * exit status: 0 done, 1 input refused or output failed, 2 usage.
 * argv is only read.
 */
#ifndef FAXHUB_CTL_IMAGE_H
#define FAXHUB_CTL_IMAGE_H

#define CTL_IMAGE_CONVERT_USAGE	"convert [--fine|--normal] [--g4|--g3] " \
	"[--letter] [--keep-coding] [--timeout SECONDS] [--pdf OUT.pdf] " \
	"[--preview OUT.png] -o OUT.tif INPUT..."
#define CTL_IMAGE_TOPDF_USAGE	"topdf IN.tif OUT.pdf"

int	ctl_convert(int argc, char **argv);
int	ctl_topdf(int argc, char **argv);

#endif
