package dev.squall.tornado;

import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The devices TornadoVM sees, and the one the settings select. */
final class TornadoDevices {
    private TornadoDevices() {
    }

    /** The device {@code backend:device} of the settings; {@link IllegalArgumentException} lists the devices otherwise. */
    static TornadoDevice select(TornadoSettings settings) {
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        int b = settings.backendIndex();
        int d = settings.deviceIndex();
        if (b >= backends.size() || d >= backends.get(b).getNumDevices()) {
            throw new IllegalArgumentException(settings.source() + ": device = " + b + ":" + d
                    + " does not exist; TornadoVM sees " + String.join("; ", list(settings)));
        }
        return backends.get(b).getDevice(d);
    }

    /** One line per device: {@code 0:0 pthread-haswell-AMD EPYC (OpenCL, CPU)}, the selected one marked. */
    static List<String> list(TornadoSettings settings) {
        List<String> lines = new ArrayList<>();
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        for (int b = 0; b < backends.size(); b++) {
            TornadoBackend backend = backends.get(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice device = backend.getDevice(d);
                boolean selected = b == settings.backendIndex() && d == settings.deviceIndex();
                lines.add(b + ":" + d + " " + device.getPhysicalDevice().getDeviceName() + " (" + backend.getName()
                        + ", " + deviceClass(device) + ")" + (selected ? " [selected]" : ""));
            }
        }
        return lines;
    }

    /** {@code cpu}, {@code gpu}, {@code accelerator}, {@code fpga}, ...: the key of per-class settings. */
    static String deviceClass(TornadoDevice device) {
        return device.getDeviceType().name().toLowerCase(Locale.ROOT);
    }
}
