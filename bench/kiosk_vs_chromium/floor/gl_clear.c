/* Floor experiment (docs/benchmarks.md): what an SDL2 window with an OpenGL 3.0 context costs before the
 * kiosk draws anything. Same window, GL attributes and first-frame trace as client/src/platform_sdl.cpp,
 * then one glClear + swap; waits for SDL_QUIT. */
#include <SDL.h>
#include <SDL_opengl.h>
#include <stdio.h>
#include <time.h>

int main(void) {
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) return 1;
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    SDL_Window* window = SDL_CreateWindow("gl_clear", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 1280, 800,
                                          SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI);
    SDL_GLContext gl = window ? SDL_GL_CreateContext(window) : NULL;
    if (!gl) return 1;
    SDL_GL_SetSwapInterval(1);
    glClearColor(0.98f, 0.976f, 0.96f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    SDL_GL_SwapWindow(window);
    glFinish();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stderr, "svarboks: first frame at %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    SDL_Event event;
    while (SDL_WaitEvent(&event) && event.type != SDL_QUIT) {
    }
    SDL_GL_DeleteContext(gl);
    SDL_DestroyWindow(window);
    SDL_Quit();
    return 0;
}
