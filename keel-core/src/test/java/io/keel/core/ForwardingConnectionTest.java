package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@link ForwardingConnection} forwards every method of {@link Connection}, arguments and results unchanged. */
class ForwardingConnectionTest {

    /** One call the recording delegate received. */
    private record Call(String method, List<Object> args) {
    }

    private static final class Plain extends ForwardingConnection {
        Plain(Connection delegate) {
            super(delegate);
        }
    }

    private final List<Call> calls = new ArrayList<>();

    /** A delegate that records each call and answers with a value that identifies the method. */
    private Connection recordingDelegate() {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, m, args) -> {
                    if (m.getDeclaringClass() == Object.class) {
                        return switch (m.getName()) {
                            case "toString" -> "delegate";
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> proxy == args[0];
                        };
                    }
                    calls.add(new Call(m.getName(), args == null ? List.of() : List.of(args)));
                    return answer(m.getReturnType());
                });
    }

    private static Object answer(Class<?> type) {
        if (type == SendStatus.class) {
            return SendStatus.BACKPRESSURE;
        }
        if (type == boolean.class) {
            return Boolean.TRUE; // every boolean default of Connection is false or isOpen(): true proves forwarding
        }
        if (type == long.class) {
            return 42L;
        }
        if (type == InetSocketAddress.class) {
            return new InetSocketAddress("127.0.0.1", 4242);
        }
        if (type == Object.class) {
            return "attached";
        }
        return null;
    }

    private static Object argument(Class<?> type) {
        if (type == ByteBuffer.class) {
            return ByteBuffer.wrap(new byte[] {1, 2, 3});
        }
        if (type == long.class) {
            return 7L;
        }
        if (type == boolean.class) {
            return Boolean.TRUE;
        }
        if (type == Runnable.class) {
            return (Runnable) () -> { };
        }
        if (type == TimeUnit.class) {
            return TimeUnit.SECONDS;
        }
        if (type == UserDataKey.class) {
            return UserDataKey.create("k");
        }
        return "value";
    }

    @Test
    void everyMethodOfConnectionGoesToTheDelegateWithItsArgumentsAndResult() throws Exception {
        Connection wrapper = new Plain(recordingDelegate());
        int checked = 0;
        for (Method m : Connection.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = argument(m.getParameterTypes()[i]);
            }
            calls.clear();
            Object result = m.invoke(wrapper, args);
            assertThat(calls).as(m.toString()).containsExactly(new Call(m.getName(), List.of(args)));
            assertThat(result).as(m.toString()).isEqualTo(answer(m.getReturnType()));
            checked++;
        }
        assertThat(checked).as("every method of Connection was tried").isEqualTo(30);
    }

    @Test
    void aSubclassChangesOnlyWhatItOverrides() {
        Connection delegate = recordingDelegate();
        Connection wrapper = new ForwardingConnection(delegate) {
            @Override
            public boolean isSecure() {
                return false;
            }
        };
        assertThat(wrapper.isSecure()).isFalse();
        assertThat(calls).isEmpty();
        assertThat(wrapper.queuedBytes()).isEqualTo(42L);
        assertThat(calls).containsExactly(new Call("queuedBytes", List.of()));
    }

    @Test
    void theDelegateIsKeptAndNamed() {
        Connection delegate = recordingDelegate();
        Plain wrapper = new Plain(delegate);
        assertThat(wrapper.delegate()).isSameAs(delegate);
        assertThat(wrapper).hasToString("Plain[delegate]");
        assertThatThrownBy(() -> new Plain(null)).isInstanceOf(NullPointerException.class);
    }
}
