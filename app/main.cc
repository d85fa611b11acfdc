// photoidx: index folders of photos with CLIP embeddings and BLIP captions,
// and search them. All the work is in cli/ and core/.
#include "cli/cli.h"

int main(int argc, char** argv) { return photoidx::cli::Run(argc, argv); }
